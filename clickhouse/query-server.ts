// Read-only SQL over HTTP for the embedded store's owner process: `helix sql`, the gateway's optimizer and
// health checks reach the analytics store through this when there is no ClickHouse server.
import Fastify, { type FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { AnalyticsStore } from './store.ts';
import { checkReadOnlySql } from './read-only-sql.ts';

export interface QueryResult {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
  rows: number;
  elapsed_ms: number;
}

function keyMatches(header: string | undefined, masterKey: string | undefined): boolean {
  if (!masterKey) return true;
  const given = Buffer.from((header ?? '').replace(/^Bearer\s+/i, ''));
  const want = Buffer.from(masterKey);
  return given.length === want.length && timingSafeEqual(given, want);
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

export async function startQueryServer(store: AnalyticsStore, opts: { port: number; host?: string; masterKey?: string }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.get('/ping', async () => 'Ok.');
  app.post<{ Body: { query?: unknown } }>('/v1/sql', async (request, reply) => {
    if (!keyMatches(request.headers.authorization, opts.masterKey)) {
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
  await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  return app;
}
