// One kafkajs client factory and topic bootstrap for every process.
import { Kafka, logLevel, type Admin, type KafkaConfig, type Producer } from 'kafkajs';
import { TOPICS, topicName, type TopicId } from '../schemas/topics.ts';
import { logger } from './logger.ts';
import { untilReady } from './until-ready.ts';

export function createKafka(brokers: string[], clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5_000 },
    connectionTimeout: 3_000,
    ...extra,
  });
}

/** Creates every Helix topic that does not exist yet (idempotent; safe from several processes). */
export async function ensureTopics(kafka: Kafka, prefix?: string, ids: TopicId[] = Object.keys(TOPICS) as TopicId[]): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = ids.filter((id) => !existing.has(topicName(id, prefix)));
    if (missing.length === 0) return;
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: missing.map((id) => ({ topic: topicName(id, prefix), numPartitions: TOPICS[id].partitions, replicationFactor: -1 })),
      })
      .catch((err: unknown) => {
        // Another process may have created them in between.
        if (!String((err as Error).message).includes('already exists')) throw err;
      });
    logger.debug({ topics: missing }, 'created kafka topics');
  } finally {
    await admin.disconnect();
  }
}

/**
 * Connects a producer, waiting out a broker that is not reachable (yet, or any more). kafkajs gives up at once when an
 * idempotent producer's initProducerId meets a connection error, which ended a consumers process whose broker went
 * away while it was starting.
 */
export function connectProducer(producer: Producer, what: string): Promise<void> {
  return untilReady(`kafka (${what})`, () => producer.connect());
}
