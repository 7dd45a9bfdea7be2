// Starts the ClickHouse sink group: migrations, the consume loop and (embedded store) the read-only query server.
import type { Kafka } from 'kafkajs';
import type { HelixConfig } from '../../lib/config.ts';
import { openAnalyticsStore } from '../../clickhouse/store.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { startQueryServer } from '../../clickhouse/query-server.ts';
import { SUNK_TOPICS } from '../../schemas/events.ts';
import { clickhouseSink } from '../../clickhouse/sink.ts';
import { logger } from '../../lib/logger.ts';
import { applyRetention } from './retention.ts';
import { embeddedInserter } from '../../clickhouse/rows.ts';
import { untilReady } from '../../lib/until-ready.ts';
import { startGroup, type RunningGroup } from '../group.ts';

export const SINK_GROUP = 'helix-clickhouse-sink';

export async function startClickhouseSink(kafka: Kafka, config: HelixConfig): Promise<RunningGroup> {
  const env = config.env;
  const analytics = config.helix_settings.analytics;
  const store = await openAnalyticsStore(env);
  // A ClickHouse server may still be starting (or briefly away): wait for it rather than exit.
  await untilReady('clickhouse', async () => {
    const { applied } = await migrate(store.client, { database: store.database, cluster: store.cluster, retentionDays: analytics.retention_days });
    if (applied.length) logger.info({ applied }, 'clickhouse migrations applied');
    const retained = await applyRetention(store.client, store.database, analytics.retention_days, store.cluster);
    if (retained.length) logger.info({ tables: retained, days: analytics.retention_days }, 'clickhouse retention changed');
  }, { timeoutMs: 120_000, retryable: () => !store.embedded });
  // `helix sql` users write v_requests, not helix.v_requests: the query server's session makes Helix's database the
  // current one (sql-session.ts), and the sink's own statements name their database.
  const queryServer = store.embedded ? await startQueryServer(store, { port: env.queryServerPort, masterKey: env.masterKey }) : undefined;
  const raw = store.embedded ? await embeddedInserter(env.dataDir) : undefined;
  return startGroup(kafka, config, {
    name: 'clickhouse-sink',
    groupId: SINK_GROUP,
    topics: SUNK_TOPICS,
    sink: clickhouseSink(store, raw?.insert),
    batch: { maxItems: analytics.sink.batch_max_rows, lingerMs: analytics.sink.batch_linger_ms },
    async close() {
      await queryServer?.close();
      raw?.close();
      await store.close();
    },
  });
}
