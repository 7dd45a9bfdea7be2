// Kafka topics, declared once. Producers, consumers, the replay tools and the stack scripts read names from here.
// A prefix (HELIX_TOPIC_PREFIX) lets several isolated pipelines share one broker (tests, staging).

/**
 * How long a topic keeps its events follows from what it promises (lengths: lib/kafka.ts, configurable):
 * - `replay`: the ledger is rebuilt from responses and cache hits, ClickHouse from every event topic — a billing
 *   period and then some;
 * - `cacheFill`: the semantic cache is rebuilt from fills that have not expired yet — the longest cache TTL;
 * - `deadLetter`: kept until someone has looked into them.
 */
export type RetentionClass = 'replay' | 'cacheFill' | 'deadLetter';

export const TOPICS = {
  requests: { name: 'helix.requests', partitions: 6, retention: 'replay' },
  responses: { name: 'helix.responses', partitions: 6, retention: 'replay' },
  pii: { name: 'helix.pii', partitions: 6, retention: 'replay' },
  cache: { name: 'helix.cache', partitions: 6, retention: 'replay' },
  /** Cacheable completions (what the provider saw and answered): the semantic cache is rebuilt from this topic. */
  cacheFill: { name: 'helix.cache.fill', partitions: 6, retention: 'cacheFill' },
  ledger: { name: 'helix.ledger', partitions: 6, retention: 'replay' },
  /** Budget threshold crossings from the ledger (for anomaly/webhook consumers and ClickHouse). */
  budgetAlerts: { name: 'helix.budget-alerts', partitions: 3, retention: 'replay' },
  audit: { name: 'helix.audit', partitions: 3, retention: 'replay' },
  anomalies: { name: 'helix.anomalies', partitions: 3, retention: 'replay' },
  webhookDeliveries: { name: 'helix.webhook.deliveries', partitions: 3, retention: 'replay' },
  deadLetter: { name: 'helix.dlq', partitions: 3, retention: 'deadLetter' },
} as const satisfies Record<string, { name: string; partitions: number; retention: RetentionClass }>;

export type TopicId = keyof typeof TOPICS;

export function topicName(id: TopicId, prefix = process.env.HELIX_TOPIC_PREFIX ?? ''): string {
  return `${prefix}${TOPICS[id].name}`;
}
