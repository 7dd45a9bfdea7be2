// Starts the anomaly consumer group: Redis (shared statistics), a producer for the `anomalies` topic, the consume
// loop over responses, PII incidents and budget alerts. Any number of processes can run it: Kafka splits the
// partitions among them and Redis holds the series, so together they behave as one detector.
import type { Kafka, Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import type { HelixConfig } from '../../lib/config.ts';
import { connectProducer } from '../../lib/kafka.ts';
import { logger } from '../../lib/logger.ts';
import { TOPICS, topicName, type TopicId } from '../../schemas/topics.ts';
import type { AnomalyEvent } from '../../schemas/events/anomaly.ts';
import { runConsumer, type RunningConsumer } from '../../lib/consume/runner.ts';
import { metricsPort } from '../../lib/consume/metrics.ts';
import { PriceBook } from '../../core/prices.ts';
import { bookingOf } from '../ledger/entries.ts';
import { createEngine } from './engine.ts';
import { anomalySink } from './sink.ts';
import { SeriesStore } from './series-store.ts';

export const ANOMALY_GROUP = 'helix-anomaly';

export interface RunningAnomalyDetector extends RunningConsumer {
  name: string;
}

const isTopicId = (id: string): id is TopicId => id in TOPICS;

export async function startAnomalyDetector(kafka: Kafka, config: HelixConfig): Promise<RunningAnomalyDetector> {
  const analytics = config.helix_settings.analytics;
  const settings = analytics.anomalies;
  if (!settings.enabled) {
    logger.info('anomaly detection disabled (helix_settings.analytics.anomalies.enabled: false)');
    return { name: 'anomaly', stop: async () => undefined, stats: () => ({ written: 0, deadLettered: 0, retrying: false }) };
  }
  const prefix = config.env.topicPrefix;
  const budget = settings.budget_alerts;
  const budgetTopicId = budget.enabled && isTopicId(budget.topic) ? budget.topic : undefined;
  if (budget.enabled && !budgetTopicId) logger.warn({ topic: budget.topic }, 'budget alert topic is not a known topic id; budget alerts are off');

  // Commands fail (and the consume loop retries) rather than queue up while Redis is away.
  const redis = new Redis(config.env.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect();
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await connectProducer(producer, 'anomalies producer');
  const anomaliesTopic = topicName('anomalies', prefix);
  const publish = async (anomalies: AnomalyEvent[]) => {
    await producer.send({ topic: anomaliesTopic, acks: -1, messages: anomalies.map((a) => ({ key: a.entity, value: JSON.stringify(a) })) });
    for (const a of anomalies) logger.info({ kind: a.kind, dimension: a.dimension, entity: a.entity, severity: a.severity, id: a.event_id }, 'anomaly');
  };

  // Series outlive their history by a margin; a dormant entity keeps its history for at least a week.
  const ttlMs = Math.max(7 * 86_400_000, 3 * settings.history_windows * settings.window_seconds * 1000);
  const prices = new PriceBook(config.model_list, config.router_settings.fallbacks);
  const engine = createEngine({
    store: new SeriesStore(redis, `${settings.redis_prefix}${prefix}`, ttlMs),
    settings,
    // Priced exactly as the ledger books it (same price book, same rules for cache hits, errors and swaps).
    costOf: (event) => bookingOf({ kind: 'response', event }, prices)?.entry.cost_usd ?? 0,
    group: `${prefix}${ANOMALY_GROUP}`,
    publish,
  });
  const topics: TopicId[] = [...new Set<TopicId>(['responses', 'pii', ...(budgetTopicId ? [budgetTopicId] : [])])];
  const consumer = await runConsumer({
    kafka,
    groupId: ANOMALY_GROUP,
    topics,
    topicPrefix: prefix,
    sink: anomalySink({ process: (batch) => engine.process(batch) }),
    miniBatch: 5_000,
    // New deployments start from now: replaying months of history would only raise stale alerts.
    fromBeginning: false,
    metricsPort: metricsPort(analytics.consumers_metrics_port),
  });
  return {
    name: 'anomaly',
    stats: consumer.stats,
    async stop() {
      await consumer.stop();
      await producer.disconnect().catch(() => undefined);
      redis.disconnect();
    },
  };
}
