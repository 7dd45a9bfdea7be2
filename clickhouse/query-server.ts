// Read-only SQL over HTTP for the embedded store's owner process: `helix sql`, the gateway's optimizer and
// health checks reach the analytics store through this when there is no ClickHouse server. With a master key every
// query needs it; without one the server listens on loopback only (lib/listen-host.ts).
import Fastify, { type FastifyInstance } from 'fastify';
import { logger } from '../lib/logger.ts';
import { checkListenHost } from '../lib/listen-host.ts';
import { secretMatcher } from '../lib/secret-matcher.ts';
import type { AnalyticsStore } from './store.ts';
import { checkReadOnlySql } from './read-only-sql.ts';

export interface QueryResult {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
  rows: number;
  elapsed_ms: number;
}

export interface QueryServerOptions {
  port: number;
  /** Default 127.0.0.1. Beyond loopback only with a master key (or allowUnauthenticated). */
  host?: string;
  masterKey?: string | undefined;
  /** general_settings.dangerously_allow_unauthenticated */
  allowUnauthenticated?: boolean;
}

export async function runReadOnly(store: AnalyticsStore, sql: string): Promise<QueryResult> {
  const started = performance.now();
  const rs = await store.client.query({
    query: sql.trim().replace(/;\s*$/, ''),
    format: 'JSON',
    clickhouse_settings: store.embedded ? {} : { readonly: '1' },
  });
  const body = await rs.json<Record<string, unknown>>();
  return { meta: body.meta ?? [], data: body.data, rows: body.rows ?? body.data.length, elapsed_ms: Math.round((performance.now() - started) * 100) / 100 };
}

/** Throws, before binding, when asked to listen beyond loopback without a master key (see checkListenHost). */
export async function startQueryServer(store: AnalyticsStore, opts: QueryServerOptions): Promise<FastifyInstance> {
  const host = opts.host ?? '127.0.0.1';
  const warning = checkListenHost({ service: 'the SQL query server', host, authenticated: Boolean(opts.masterKey), allowUnauthenticated: opts.allowUnauthenticated ?? false });
  const isMasterKey = secretMatcher(opts.masterKey);
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.get('/ping', async () => 'Ok.');
  app.post<{ Body: { query?: unknown } }>('/v1/sql', async (request, reply) => {
    if (opts.masterKey && !isMasterKey(request.headers.authorization?.replace(/^Bearer\s+/i, ''))) {
      return reply.status(401).send({ error: { message: 'Invalid or missing master key.', type: 'authentication_error', code: 'invalid_api_key' } });
    }
    const sql = request.body?.query;
    if (typeof sql !== 'string') return reply.status(400).send({ error: { message: 'Body must be {"query": "<SQL>"}.', type: 'invalid_request_error', code: 'invalid_request' } });
    const refused = checkReadOnlySql(sql);
    if (refused) return reply.status(400).send({ error: { message: refused, type: 'invalid_request_error', code: 'read_only' } });
    try {
      return await runReadOnly(store, sql);
    } catch (err) {
      return reply.status(400).send({ error: { message: (err as Error).message.split('\n')[0], type: 'invalid_request_error', code: 'query_failed' } });
    }
  });
  await app.listen({ port: opts.port, host });
  if (warning) logger.warn(warning);
  return app;
}
