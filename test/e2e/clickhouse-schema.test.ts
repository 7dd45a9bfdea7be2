// Migrations run on a fresh embedded ClickHouse, twice (idempotent), and every event table matches its event
// schema column for column — schemas/ and clickhouse/ cannot drift apart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalyticsStore } from '../../clickhouse/store.ts';
import { closeScratchStore, openScratchStore } from '../helpers/clickhouse.ts';
import { listMigrations, migrate } from '../../clickhouse/migrate.ts';
import { EVENT_TYPES, columnsOf } from '../../schemas/events.ts';

describe('ClickHouse migrations', () => {
  let store: AnalyticsStore;
  before(async () => {
    store = await openScratchStore('schema');
  });
  after(async () => {
    await closeScratchStore(store);
  });

  it('are numbered 0001… without gaps or repeats', () => {
    const versions = listMigrations().map((m) => m.version);
    assert.deepEqual(versions, versions.map((_, i) => i + 1));
  });

  it('apply once on a fresh database and are a no-op the second time', async () => {
    const first = await migrate(store.client, { database: store.database });
    assert.equal(first.applied.length, listMigrations().length);
    const second = await migrate(store.client, { database: store.database });
    assert.deepEqual(second.applied, []);
  });

  it('create every event table exactly as its event schema describes it', async () => {
    const tables = new Map(Object.values(EVENT_TYPES).map((d) => [d.table, d.schema]));
    for (const [table, schema] of tables) {
      const rs = await store.client.query({
        query: 'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position',
        query_params: { db: store.database, table },
        format: 'JSONEachRow',
      });
      const actual = (await rs.json<{ name: string; type: string }>()).filter((c) => c.name !== 'ingested_at');
      assert.deepEqual(actual, columnsOf(schema), `table ${table} drifted from its event schema`);
    }
  });

  it('remember recent inserts in every sink table, so a retried insert never duplicates rows', async () => {
    for (const table of new Set(Object.values(EVENT_TYPES).map((d) => d.table))) {
      const rs = await store.client.query({ query: `SHOW CREATE TABLE ${store.database}.${table}`, format: 'TabSeparatedRaw' });
      assert.match(await rs.text(), /non_replicated_deduplication_window = [1-9]/, `table ${table} has no insert deduplication window`);
    }
  });
});
