// Starts the anomaly consumer group: Redis (shared statistics), a producer for the `anomalies` topic, the consume
// loop over responses, PII incidents and budget alerts. Any number of processes can run it: Kafka splits the
// partitions among them and Redis holds the series, so together they behave as one detector.
import type { Kafka } from 'kafkajs';
import type { HelixConfig } from '../../lib/config.ts';
import { logger } from '../../lib/logger.ts';
import { TOPICS, topicName, type TopicId } from '../../schemas/topics.ts';
import type { AnomalyEvent } from '../../schemas/events/anomaly.ts';
import { allFallbacks, PriceBook } from '../../core/prices.ts';
import { bookingOf } from '../ledger/entries.ts';
import { durableProducer, failFastRedis, idleGroup, startGroup, type RunningGroup } from '../group.ts';
import { createEngine } from './engine.ts';
import { anomalySink } from './sink.ts';
import { SeriesStore } from './series-store.ts';

export const ANOMALY_GROUP = 'helix-anomaly';

const isTopicId = (id: string): id is TopicId => id in TOPICS;

export async function startAnomalyDetector(kafka: Kafka, config: HelixConfig): Promise<RunningGroup> {
  const settings = config.helix_settings.analytics.anomalies;
  if (!settings.enabled) {
    logger.info('anomaly detection disabled (helix_settings.analytics.anomalies.enabled: false)');
    return idleGroup('anomaly');
  }
  const prefix = config.env.topicPrefix;
  const budget = settings.budget_alerts;
  const budgetTopicId = budget.enabled && isTopicId(budget.topic) ? budget.topic : undefined;
  if (budget.enabled && !budgetTopicId) logger.warn({ topic: budget.topic }, 'budget alert topic is not a known topic id; budget alerts are off');

  const redis = await failFastRedis(config.env.redisUrl);
  const producer = await durableProducer(kafka, 'anomalies producer');
  const anomaliesTopic = topicName('anomalies', prefix);
  const publish = async (anomalies: AnomalyEvent[]) => {
    await producer.send({ topic: anomaliesTopic, acks: -1, messages: anomalies.map((a) => ({ key: a.entity, value: JSON.stringify(a) })) });
    for (const a of anomalies) logger.info({ kind: a.kind, dimension: a.dimension, entity: a.entity, severity: a.severity, id: a.event_id }, 'anomaly');
  };

  // Series outlive their history by a margin; a dormant entity keeps its history for at least a week.
  const ttlMs = Math.max(7 * 86_400_000, 3 * settings.history_windows * settings.window_seconds * 1000);
  const prices = new PriceBook(config.model_list, allFallbacks(config.router_settings));
  const engine = createEngine({
    store: new SeriesStore(redis, `${settings.redis_prefix}${prefix}`, ttlMs),
    settings,
    // Priced exactly as the ledger books it (same price book, same rules for cache hits, errors and swaps).
    costOf: (event) => bookingOf({ kind: 'response', event }, prices)?.entry.cost_usd ?? 0,
    group: `${prefix}${ANOMALY_GROUP}`,
    publish,
  });
  const topics: TopicId[] = [...new Set<TopicId>(['responses', 'pii', ...(budgetTopicId ? [budgetTopicId] : [])])];
  return startGroup(kafka, config, {
    name: 'anomaly',
    groupId: ANOMALY_GROUP,
    topics,
    sink: anomalySink({ process: (batch) => engine.process(batch) }),
    miniBatch: 5_000,
    // New deployments start from now: replaying months of history would only raise stale alerts.
    fromBeginning: false,
    async close() {
      await producer.disconnect().catch(() => undefined);
      redis.disconnect();
    },
  });
}
