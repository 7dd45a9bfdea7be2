// The analytics store: a real ClickHouse server over HTTP when CLICKHOUSE_URL is set, otherwise ClickHouse
// embedded in this process through chdb. Same @clickhouse/client API either way.
// chdb allows ONE process per data directory, so in embedded mode the owning process (the ClickHouse sink)
// also serves read-only SQL to the others (query-server.ts), on a session of its own (sql-session.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { RuntimeEnv } from '../schemas/config.ts';
import { checkClusterName, CLUSTER_CLIENT_SETTINGS } from './cluster-ddl.ts';

/** Output settings that make chdb and HTTP agree (UInt64 as JSON numbers, ISO timestamps accepted). */
export const CLIENT_SETTINGS = {
  output_format_json_quote_64bit_integers: 0,
  date_time_input_format: 'best_effort',
} as const;

export interface AnalyticsStore {
  client: ClickHouseClient;
  embedded: boolean;
  database: string;
  /** A ClickHouse server's cluster (HELIX_CLICKHOUSE_CLUSTER): what migrations target (cluster-ddl.ts). */
  cluster?: string;
  /** The embedded store's data directory (the SQL endpoint opens its read-only session there). */
  path?: string;
  close(): Promise<void>;
}

/** Where the embedded store keeps its data (one place: the sink's raw inserter opens the same path). */
export const embeddedStorePath = (dataDir: string) => join(dataDir, 'clickhouse');

/**
 * `asCurrentDatabase`: unqualified table names resolve in Helix's database (readers: `helix sql` users write
 * v_requests). Not for the migrating writer: its database may not exist yet.
 */
export async function openAnalyticsStore(
  env: Pick<RuntimeEnv, 'clickhouseUrl' | 'clickhouseDatabase' | 'dataDir'> & Partial<Pick<RuntimeEnv, 'clickhouseCluster'>>,
  opts: { asCurrentDatabase?: boolean } = {},
): Promise<AnalyticsStore> {
  if (env.clickhouseCluster && !env.clickhouseUrl) throw new Error('HELIX_CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL: the embedded store is one server');
  if (env.clickhouseUrl) {
    const database = opts.asCurrentDatabase ? env.clickhouseDatabase : undefined;
    const cluster = env.clickhouseCluster ? checkClusterName(env.clickhouseCluster) : undefined;
    const clickhouse_settings = cluster ? { ...CLIENT_SETTINGS, ...CLUSTER_CLIENT_SETTINGS } : CLIENT_SETTINGS;
    const client = createClient({ url: env.clickhouseUrl, database, clickhouse_settings, request_timeout: 30_000 });
    return { client, embedded: false, database: env.clickhouseDatabase, cluster, close: () => client.close() };
  }
  const path = embeddedStorePath(env.dataDir);
  mkdirSync(path, { recursive: true });
  // Loaded lazily: the native library is only needed by the one process that owns the embedded store.
  const { createChdbConnection } = await import('chdb/connection');
  const client = createClient({ connection: createChdbConnection({ path }), clickhouse_settings: CLIENT_SETTINGS } as Parameters<typeof createClient>[0]);
  return { client, embedded: true, database: env.clickhouseDatabase, path, close: () => client.close() };
}
