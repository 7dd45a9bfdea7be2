// Read access to analytics from any process: with CLICKHOUSE_URL, straight to the ClickHouse server as its read-only
// SQL user (sql-reader-user.ts); otherwise through the embedded store owner's query endpoint. Both need the master key.
import type { ClickHouseClient } from '@clickhouse/client';
import type { RuntimeEnv } from '../schemas/config.ts';
import { createSqlRunner, type JsonAnswer, type QueryParams, type QueryResult, type SqlEngine, type SqlRunner } from './sql-guard.ts';
import { DEFAULT_SQL_LIMITS, type SqlLimits } from './sql-limits.ts';
import { ensureSqlReader, sqlReaderClient, sqlReaderPassword, sqlReaderUser } from './sql-reader-user.ts';

export interface AnalyticsReader {
  /** `params` bind `{name:Type}` placeholders: how a caller's values reach a query, never as SQL text. */
  query(sql: string, params?: QueryParams): Promise<QueryResult>;
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function createAnalyticsReader(env: RuntimeEnv, limits: SqlLimits = DEFAULT_SQL_LIMITS): Promise<AnalyticsReader> {
  return env.clickhouseUrl ? serverReader(env, env.clickhouseUrl, limits) : endpointReader(env);
}

function serverReader(env: RuntimeEnv, url: string, limits: SqlLimits): AnalyticsReader {
  const password = env.masterKey ? sqlReaderPassword(env.masterKey) : '';
  const client = sqlReaderClient(url, env.clickhouseDatabase, password, limits);
  let runner: Promise<SqlRunner> | undefined;
  const connect = async (): Promise<SqlRunner> => {
    if (!env.masterKey) throw new Error("helix sql needs HELIX_MASTER_KEY: the read-only ClickHouse user's password is derived from it");
    // Created or updated on every start; if that is refused, an existing user may still let us in.
    const setupError = await ensureSqlReader(url, env.clickhouseDatabase, password, limits).then(
      () => undefined,
      (err: Error) => err,
    );
    try {
      await client.query({ query: 'SELECT 1', format: 'JSON' });
    } catch (err) {
      const setup = setupError ? `; creating it with CLICKHOUSE_URL's account failed: ${setupError.message}` : '';
      throw new Error(`cannot log in to ClickHouse as ${sqlReaderUser(env.clickhouseDatabase)}: ${(err as Error).message}${setup} (see docs/sql.md)`);
    }
    return createSqlRunner(clickhouseEngine(client), env.clickhouseDatabase);
  };
  return {
    async query(sql, params) {
      const ready = (runner ??= connect());
      // A failed login is tried again on the next query.
      ready.catch(() => (runner = undefined));
      return (await ready).run(sql, params);
    },
    async ping() {
      return (await client.ping()).success;
    },
    close: () => client.close(),
  };
}

/**
 * Statements go as they are (client.query would append a FORMAT clause, which EXPLAIN AST would read as part of the
 * checked query); the answer format is the server's default_format, and errors come before the answer.
 */
function clickhouseEngine(client: ClickHouseClient): SqlEngine {
  return {
    async json<T>(sql: string, params?: Record<string, string>) {
      const { stream } = await client.exec({ query: sql, query_params: params, clickhouse_settings: { default_format: 'JSON', wait_end_of_query: 1 } });
      let text = '';
      for await (const chunk of stream) text += String(chunk);
      return JSON.parse(text) as JsonAnswer<T>;
    },
  };
}

function endpointReader(env: RuntimeEnv): AnalyticsReader {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (env.masterKey) headers.authorization = `Bearer ${env.masterKey}`;
  return {
    async query(sql, params) {
      const res = await fetch(`${env.queryServerUrl}/v1/sql`, { method: 'POST', headers, body: JSON.stringify({ query: sql, ...(params ? { params } : {}) }) });
      const body = (await res.json()) as QueryResult & { error?: { message: string } };
      if (!res.ok) throw new Error(body.error?.message ?? `query server answered ${res.status}`);
      return body;
    },
    async ping(timeoutMs = 500) {
      try {
        const res = await fetch(`${env.queryServerUrl}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
        return res.ok;
      } catch {
        return false;
      }
    },
    close: async () => undefined,
  };
}
