// One kafkajs client factory and topic bootstrap (partitions, retention per topic: schemas/topics.ts) for every process.
import kafkajs, { Kafka, logLevel, type Admin, type KafkaConfig, type Producer } from 'kafkajs';
import { TOPICS, topicName, type RetentionClass, type TopicId } from '../schemas/topics.ts';
import { logger } from './logger.ts';
import { untilReady } from './until-ready.ts';

// Not among the names Node finds in kafkajs' CommonJS exports.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

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

/** What each retention class keeps by default (days), and the variable that changes it. */
export const RETENTION: Record<RetentionClass, { days: number; env: string }> = {
  // A monthly billing period replays whole from any day of the next one.
  replay: { days: 35, env: 'HELIX_TOPIC_RETENTION_DAYS' },
  // The cache's max_ttl_seconds (7 days by default) and a day's margin: raise it with that setting.
  cacheFill: { days: 8, env: 'HELIX_CACHE_FILL_RETENTION_DAYS' },
  deadLetter: { days: 90, env: 'HELIX_DEAD_LETTER_RETENTION_DAYS' },
};

const DAY_MS = 86_400_000;
const RETENTION_MS = 'retention.ms';

/** retention.ms per retention class, from the environment or the defaults. */
export function retentionMs(env: NodeJS.ProcessEnv = process.env): Record<RetentionClass, number> {
  const out = {} as Record<RetentionClass, number>;
  for (const [cls, { days, env: name }] of Object.entries(RETENTION) as Array<[RetentionClass, { days: number; env: string }]>) {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? days : Number(raw);
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${name} must be a positive number of days (got "${raw}")`);
    out[cls] = Math.round(value * DAY_MS);
  }
  return out;
}

/**
 * Creates every Helix topic that does not exist yet with its retention, and sets the retention of those that exist
 * with another one (idempotent; safe from several processes).
 */
/**
 * Runs an admin step again (bounded) while Kafka answers with a retriable error: right after a topic is created a busy
 * broker may still say it does not host the topic, which is a matter of time, not a failure.
 */
export async function retryRetriable<T>(step: () => Promise<T>, attempts = 6, delayMs = 500): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (attempt >= attempts || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs * attempt));
    }
  }
}

export function ensureTopics(kafka: Kafka, prefix?: string, ids: TopicId[] = Object.keys(TOPICS) as TopicId[], retention = retentionMs()): Promise<void> {
  return retryRetriable(() => ensureTopicsOnce(kafka, prefix, ids, retention));
}

async function ensureTopicsOnce(kafka: Kafka, prefix: string | undefined, ids: TopicId[], retention: ReturnType<typeof retentionMs>): Promise<void> {
  const wanted = new Map(ids.map((id) => [topicName(id, prefix), String(retention[TOPICS[id].retention])]));
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = ids.filter((id) => !existing.has(topicName(id, prefix)));
    if (missing.length > 0) {
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: missing.map((id) => {
            const topic = topicName(id, prefix);
            return { topic, numPartitions: TOPICS[id].partitions, replicationFactor: -1, configEntries: [{ name: RETENTION_MS, value: wanted.get(topic)! }] };
          }),
        })
        .catch((err: unknown) => {
          // Another process may have created them in between.
          if (!String((err as Error).message).includes('already exists')) throw err;
        });
      logger.debug({ topics: missing }, 'created kafka topics');
    }
    // Best effort: a cluster that does not let Helix alter topic configs must not keep it from starting.
    await alignRetention(admin, [...wanted].filter(([topic]) => existing.has(topic))).catch((err: unknown) =>
      logger.warn({ err: (err as Error).message }, 'could not check or set kafka topic retention'),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sets retention.ms where it differs. AlterConfigs replaces a topic's whole set of overrides, so the topic's other
 * overrides are sent along unchanged.
 */
async function alignRetention(admin: Admin, topics: Array<[string, string]>): Promise<void> {
  if (topics.length === 0) return;
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map(([name]) => ({ type: ConfigResourceTypes.TOPIC, name })) });
  const changes = topics.flatMap(([name, value]) => {
    const entries = resources.find((r) => r.resourceName === name)?.configEntries ?? [];
    if (entries.find((e) => e.configName === RETENTION_MS)?.configValue === value) return [];
    const overrides = entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && !e.isSensitive && e.configName !== RETENTION_MS);
    return [{ type: ConfigResourceTypes.TOPIC, name, configEntries: [...overrides.map((e) => ({ name: e.configName, value: e.configValue })), { name: RETENTION_MS, value }] }];
  });
  if (changes.length === 0) return;
  await admin.alterConfigs({ validateOnly: false, resources: changes });
  logger.info({ topics: changes.map((c) => c.name) }, 'kafka topic retention changed');
}

/**
 * Connects a producer, waiting out a broker that is not reachable (yet, or any more). kafkajs gives up at once when an
 * idempotent producer's initProducerId meets a connection error, which ended a consumers process whose broker went
 * away while it was starting.
 */
export function connectProducer(producer: Producer, what: string): Promise<void> {
  return untilReady(`kafka (${what})`, () => producer.connect());
}
