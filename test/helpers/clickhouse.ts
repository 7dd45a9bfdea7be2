// A scratch ClickHouse database for one test file: embedded in a temp dir, or on the server when CLICKHOUSE_URL is set
// (dropped again afterwards, since the server outlives the test).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAnalyticsStore, type AnalyticsStore } from '../../clickhouse/store.ts';

export function openScratchStore(name: string): Promise<AnalyticsStore> {
  return openAnalyticsStore({ clickhouseUrl: process.env.CLICKHOUSE_URL, clickhouseDatabase: `helix_${name}_${process.pid}`, dataDir: mkdtempSync(join(tmpdir(), `helix-${name}-`)) });
}

export async function closeScratchStore(store: AnalyticsStore | undefined): Promise<void> {
  if (!store) return;
  if (!store.embedded) await store.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
  await store.close();
}
