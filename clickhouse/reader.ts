// Read access to analytics from any process: straight to ClickHouse when CLICKHOUSE_URL is set, otherwise
// through the embedded store owner's query server (authenticated with the master key).
import type { RuntimeEnv } from '../schemas/config.ts';
import { checkReadOnlySql } from './read-only-sql.ts';
import { openAnalyticsStore, type AnalyticsStore } from './store.ts';
import { runReadOnly, type QueryResult } from './query-server.ts';

export interface AnalyticsReader {
  query(sql: string): Promise<QueryResult>;
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function createAnalyticsReader(env: RuntimeEnv): Promise<AnalyticsReader> {
  if (env.clickhouseUrl) {
    const store: AnalyticsStore = await openAnalyticsStore(env, { asCurrentDatabase: true });
    return {
      async query(sql) {
        const refused = checkReadOnlySql(sql);
        if (refused) throw new Error(refused);
        return runReadOnly(store, sql);
      },
      async ping() {
        return (await store.client.ping()).success;
      },
      close: () => store.close(),
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (env.masterKey) headers.authorization = `Bearer ${env.masterKey}`;
  return {
    async query(sql) {
      const res = await fetch(`${env.queryServerUrl}/v1/sql`, { method: 'POST', headers, body: JSON.stringify({ query: sql }) });
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
