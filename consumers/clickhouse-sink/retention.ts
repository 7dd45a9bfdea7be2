// Retention from config: migrations create tables with `TTL … + INTERVAL {retention_days} DAY`; when the configured
// retention later changes, the sink re-applies it to every table whose TTL still says another number of days.
import type { ClickHouseClient } from '@clickhouse/client';
import { checkClusterName } from '../../clickhouse/cluster-ddl.ts';

// system.tables.engine_full spells the TTL as `TTL <expr> + toIntervalDay(<n>)`.
const DAY_TTL = /\bTTL (.+?) \+ toIntervalDay\((\d+)\)/;

/** `cluster`: the tables listed here are this node's replicas; the change goes to every node. */
export async function applyRetention(client: ClickHouseClient, database: string, days: number, cluster?: string): Promise<string[]> {
  const on = cluster ? ` ON CLUSTER ${checkClusterName(cluster)}` : '';
  const rs = await client.query({
    query: "SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'",
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  const changed: string[] = [];
  for (const { name, engine_full } of await rs.json<{ name: string; engine_full: string }>()) {
    const ttl = DAY_TTL.exec(engine_full);
    if (!ttl || Number(ttl[2]) === days) continue;
    await client.command({ query: `ALTER TABLE ${database}.\`${name}\`${on} MODIFY TTL ${ttl[1]} + INTERVAL ${days} DAY` });
    changed.push(name);
  }
  return changed;
}
