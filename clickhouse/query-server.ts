// Read-only SQL over HTTP for the embedded store's owner process: `helix sql`, the gateway's optimizer and health
// checks reach the analytics store through this when there is no ClickHouse server. Every query needs the master
// key; without one configured the endpoint answers none. Queries run on a read-only session (sql-session.ts).
import Fastify, { type FastifyInstance } from 'fastify';
import { logger } from '../lib/logger.ts';
import { secretMatcher } from '../lib/secret-matcher.ts';
import type { AnalyticsStore } from './store.ts';
import { asSqlError } from './sql-guard.ts';
import { DEFAULT_SQL_LIMITS, type SqlLimits } from './sql-limits.ts';
import { openSqlSession } from './sql-session.ts';

export interface QueryServerOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  masterKey?: string | undefined;
  limits?: SqlLimits;
  /** Queries that may wait while one runs (default 16); more are answered 503. */
  maxWaiting?: number;
}

export const MASTER_KEY_REQUIRED =
  'The SQL endpoint needs a master key and none is configured: set HELIX_MASTER_KEY for the consumers and for helix sql. Until then it answers no queries.';

const errorBody = (message: string, type: string, code: string) => ({ error: { message, type, code } });

/** Query parameters: `{name: "value"}`, names as ClickHouse placeholders spell them, a bounded number. */
const MAX_PARAMS = 64;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
function queryParams(value: unknown): Record<string, string> | undefined | false {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length > MAX_PARAMS || entries.some(([k, v]) => !PARAM_NAME.test(k) || typeof v !== 'string')) return false;
  return Object.fromEntries(entries) as Record<string, string>;
}

export async function startQueryServer(store: AnalyticsStore, opts: QueryServerOptions): Promise<FastifyInstance> {
  if (!store.path) throw new Error('the SQL query server serves the embedded store only (with CLICKHOUSE_URL, helix sql queries the server)');
  const session = await openSqlSession({ path: store.path, database: store.database, limits: opts.limits ?? DEFAULT_SQL_LIMITS, maxWaiting: opts.maxWaiting });
  const isMasterKey = secretMatcher(opts.masterKey);
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.addHook('onClose', async () => session.close());
  app.get('/ping', async () => 'Ok.');
  app.post<{ Body: { query?: unknown; params?: unknown } }>('/v1/sql', async (request, reply) => {
    if (!opts.masterKey) return reply.status(403).send(errorBody(MASTER_KEY_REQUIRED, 'permission_error', 'master_key_required'));
    if (!isMasterKey(request.headers.authorization?.replace(/^Bearer\s+/i, ''))) {
      return reply.status(401).send(errorBody('Invalid or missing master key.', 'authentication_error', 'invalid_api_key'));
    }
    const sql = request.body?.query;
    const params = queryParams(request.body?.params);
    if (typeof sql !== 'string' || params === false) {
      return reply.status(400).send(errorBody(`Body must be {"query": "<SQL>"} with optional "params": {"<name>": "<value>"} (at most ${MAX_PARAMS}).`, 'invalid_request_error', 'invalid_request'));
    }
    try {
      return await session.run(sql, params);
    } catch (err) {
      const e = asSqlError(err);
      return reply.status(e.status).send(errorBody(e.message, e.status === 503 ? 'service_unavailable' : 'invalid_request_error', e.code));
    }
  });
  try {
    await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  } catch (err) {
    await app.close();
    throw err;
  }
  if (!opts.masterKey) logger.warn('no master key: the SQL query endpoint refuses every query (set HELIX_MASTER_KEY)');
  return app;
}
