// Starts the ClickHouse sink group: migrations, the consume loop and (embedded store) the read-only query server.
import type { Kafka } from 'kafkajs';
import type { FastifyInstance } from 'fastify';
import type { HelixConfig } from '../../lib/config.ts';
import { openAnalyticsStore } from '../../clickhouse/store.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { startQueryServer } from '../../clickhouse/query-server.ts';
import { runConsumer } from '../../lib/consume/runner.ts';
import { SUNK_TOPICS } from '../../schemas/events.ts';
import { clickhouseSink } from '../../clickhouse/sink.ts';
import { logger } from '../../lib/logger.ts';
import { metricsPort } from '../../lib/consume/metrics.ts';
import { applyRetention } from './retention.ts';
import { embeddedInserter } from '../../clickhouse/rows.ts';
import { untilReady } from '../../lib/until-ready.ts';

export const SINK_GROUP = 'helix-clickhouse-sink';

export async function startClickhouseSink(kafka: Kafka, config: HelixConfig) {
  const env = config.env;
  const analytics = config.helix_settings.analytics;
  const store = await openAnalyticsStore(env);
  // A ClickHouse server may still be starting (or briefly away): wait for it rather than exit.
  await untilReady('clickhouse', async () => {
    const { applied } = await migrate(store.client, { database: store.database, retentionDays: analytics.retention_days });
    if (applied.length) logger.info({ applied }, 'clickhouse migrations applied');
    const retained = await applyRetention(store.client, store.database, analytics.retention_days);
    if (retained.length) logger.info({ tables: retained, days: analytics.retention_days }, 'clickhouse retention changed');
  }, { timeoutMs: 120_000, retryable: () => !store.embedded });
  let queryServer: FastifyInstance | undefined;
  if (store.embedded) {
    // `helix sql` users write v_requests, not helix.v_requests: the session's current database is Helix's (the
    // sink's own statements name their database anyway).
    await store.client.command({ query: `USE ${store.database}` });
    queryServer = await startQueryServer(store, { port: env.queryServerPort, masterKey: env.masterKey });
  }
  const raw = store.embedded ? await embeddedInserter(env.dataDir) : undefined;
  const consumer = await runConsumer({
    kafka,
    groupId: SINK_GROUP,
    topics: SUNK_TOPICS,
    topicPrefix: env.topicPrefix,
    sink: clickhouseSink(store, raw?.insert),
    batch: { maxItems: analytics.sink.batch_max_rows, lingerMs: analytics.sink.batch_linger_ms },
    metricsPort: metricsPort(analytics.consumers_metrics_port),
  });
  return {
    name: 'clickhouse-sink',
    stats: consumer.stats,
    async stop() {
      await consumer.stop();
      await queryServer?.close();
      raw?.close();
      await store.close();
    },
  };
}
