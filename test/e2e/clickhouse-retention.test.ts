// Retention from config: migrations create every raw table and rollup with the configured TTL, and a later change
// of `retention_days` is re-applied by the sink at start (ALTER … MODIFY TTL) — once, not on every start.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalyticsStore } from '../../clickhouse/store.ts';
import { closeScratchStore, openScratchStore } from '../helpers/clickhouse.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { applyRetention } from '../../consumers/clickhouse-sink/retention.ts';

describe('ClickHouse retention', () => {
  let store: AnalyticsStore;
  before(async () => {
    store = await openScratchStore('retention');
  });
  after(async () => {
    await closeScratchStore(store);
  });

  const ttlDays = async () => {
    const rs = await store.client.query({
      query: "SELECT name, extract(engine_full, 'toIntervalDay\\\\((\\\\d+)\\\\)') AS days FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' AND name != 'schema_migrations' ORDER BY name",
      query_params: { db: store.database },
      format: 'JSONEachRow',
    });
    return Object.fromEntries((await rs.json<{ name: string; days: string }>()).map((r) => [r.name, r.days]));
  };

  it('creates raw tables and rollups with the configured TTL and re-applies a changed one', async () => {
    await migrate(store.client, { database: store.database, retentionDays: 30 });
    const created = await ttlDays();
    for (const table of ['requests', 'responses', 'pii_incidents', 'anomalies', 'webhook_deliveries', 'usage_1m', 'usage_1d', 'spend_1d', 'cache_1m', 'pii_1d']) {
      assert.equal(created[table], '30', `${table} keeps 30 days`);
    }
    const changed = await applyRetention(store.client, store.database, 45);
    assert.ok(changed.includes('responses') && changed.includes('usage_1m'));
    assert.ok(Object.values(await ttlDays()).every((d) => d === '45'), 'every table now keeps 45 days');
    assert.deepEqual(await applyRetention(store.client, store.database, 45), [], 'nothing to do the second time');
  });
});
