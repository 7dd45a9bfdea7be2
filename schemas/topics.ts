// Kafka topics, declared once. Producers, consumers, the replay tools and the stack scripts read names from here.
// A prefix (HELIX_TOPIC_PREFIX) lets several isolated pipelines share one broker (tests, staging).

export const TOPICS = {
  requests: { name: 'helix.requests', partitions: 6 },
  responses: { name: 'helix.responses', partitions: 6 },
  pii: { name: 'helix.pii', partitions: 6 },
  cache: { name: 'helix.cache', partitions: 6 },
  /** Cacheable completions (what the provider saw and answered): the semantic cache is rebuilt from this topic. */
  cacheFill: { name: 'helix.cache.fill', partitions: 6 },
  ledger: { name: 'helix.ledger', partitions: 6 },
  /** Budget threshold crossings from the ledger (for anomaly/webhook consumers and ClickHouse). */
  budgetAlerts: { name: 'helix.budget-alerts', partitions: 3 },
  audit: { name: 'helix.audit', partitions: 3 },
  anomalies: { name: 'helix.anomalies', partitions: 3 },
  webhookDeliveries: { name: 'helix.webhook.deliveries', partitions: 3 },
  deadLetter: { name: 'helix.dlq', partitions: 3 },
} as const;

export type TopicId = keyof typeof TOPICS;

export function topicName(id: TopicId, prefix = process.env.HELIX_TOPIC_PREFIX ?? ''): string {
  return `${prefix}${TOPICS[id].name}`;
}
