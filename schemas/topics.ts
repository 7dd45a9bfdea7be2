// Kafka topics, declared once. Producers, consumers, the replay tools and the stack scripts read names from here.
// A prefix (HELIX_TOPIC_PREFIX) lets several isolated pipelines share one broker (tests, staging).

export const TOPICS = {
  requests: { name: 'helix.requests', partitions: 6 },
  responses: { name: 'helix.responses', partitions: 6 },
  pii: { name: 'helix.pii', partitions: 6 },
  cache: { name: 'helix.cache', partitions: 6 },
  ledger: { name: 'helix.ledger', partitions: 6 },
  audit: { name: 'helix.audit', partitions: 3 },
  anomalies: { name: 'helix.anomalies', partitions: 3 },
  deadLetter: { name: 'helix.dlq', partitions: 3 },
} as const;

export type TopicId = keyof typeof TOPICS;

export function topicName(id: TopicId, prefix = process.env.HELIX_TOPIC_PREFIX ?? ''): string {
  return `${prefix}${TOPICS[id].name}`;
}
