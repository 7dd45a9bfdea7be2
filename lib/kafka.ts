// One kafkajs client factory and topic bootstrap (partitions, retention per topic: schemas/topics.ts; replication from
// the cluster's size or the environment) for every process.
import kafkajs, { Kafka, logLevel, Partitioners, type Admin, type ICustomPartitioner, type KafkaConfig, type Message, type Producer, type ProducerBatch } from 'kafkajs';
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
const MIN_INSYNC = 'min.insync.replicas';

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

/** How many copies of each partition, and how many must have a write before an acks=all send is acknowledged. */
export interface Replication {
  factor: number;
  minInsync: number;
}

/** The variables that override the defaults (defaultReplication). */
export const REPLICATION_ENV = { factor: 'HELIX_KAFKA_REPLICATION_FACTOR', minInsync: 'HELIX_KAFKA_MIN_INSYNC_REPLICAS' } as const;

/**
 * What `brokers` brokers (or partitions with that many replicas) get by default: three copies once there are three,
 * two of which must have each write — so one broker down loses no write and stops none.
 */
export function defaultReplication(brokers: number): Replication {
  const factor = Math.max(1, Math.min(3, brokers));
  return { factor, minInsync: factor >= 3 ? 2 : 1 };
}

/** The replication the environment sets (unset fields: defaultReplication of the cluster or the topic). */
export function replicationSettings(env: NodeJS.ProcessEnv = process.env): Partial<Replication> {
  const out: Partial<Replication> = {};
  for (const [field, name] of Object.entries(REPLICATION_ENV) as Array<[keyof Replication, string]>) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 16) throw new Error(`${name} must be a whole number from 1 to 16 (got "${raw}")`);
    out[field] = value;
  }
  if (out.factor !== undefined && out.minInsync !== undefined && out.minInsync > out.factor) {
    throw new Error(`${REPLICATION_ENV.minInsync} (${out.minInsync}) cannot exceed ${REPLICATION_ENV.factor} (${out.factor}): every write would be refused`);
  }
  return out;
}

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

/**
 * Creates every Helix topic that does not exist yet with its retention and replication, and sets the retention and
 * min.insync.replicas of those that exist where they differ (idempotent; safe from several processes). Replication:
 * `replication` where set, else defaultReplication of the brokers up (new topics) or of the topic's replicas.
 */
export function ensureTopics(
  kafka: Kafka,
  prefix?: string,
  ids: TopicId[] = Object.keys(TOPICS) as TopicId[],
  retention = retentionMs(),
  replication = replicationSettings(),
): Promise<void> {
  return retryRetriable(() => ensureTopicsOnce(kafka, prefix, ids, retention, replication));
}

async function ensureTopicsOnce(kafka: Kafka, prefix: string | undefined, ids: TopicId[], retention: ReturnType<typeof retentionMs>, replication: Partial<Replication>): Promise<void> {
  const retentionOf = new Map(ids.map((id) => [topicName(id, prefix), String(retention[TOPICS[id].retention])]));
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = ids.filter((id) => !existing.has(topicName(id, prefix)));
    if (missing.length > 0) {
      const { factor, minInsync } = await newTopicReplication(admin, replication);
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: missing.map((id) => {
            const topic = topicName(id, prefix);
            const configEntries = [
              { name: RETENTION_MS, value: retentionOf.get(topic)! },
              { name: MIN_INSYNC, value: String(minInsync) },
            ];
            return { topic, numPartitions: TOPICS[id].partitions, replicationFactor: factor, configEntries };
          }),
        })
        .catch((err: unknown) => {
          // Another process may have created them in between.
          if (!String((err as Error).message).includes('already exists')) throw err;
        });
      logger.debug({ topics: missing, replication_factor: factor, min_insync_replicas: minInsync }, 'created kafka topics');
    }
    // Best effort: a cluster that does not let Helix alter topic configs must not keep it from starting.
    const present = [...retentionOf.keys()].filter((topic) => existing.has(topic));
    await alignConfigs(admin, await wantedConfigs(admin, present, retentionOf, replication)).catch((err: unknown) =>
      logger.warn({ err: (err as Error).message }, 'could not check or set kafka topic retention and replication'),
    );
  } finally {
    await admin.disconnect();
  }
}

/** New topics' replication: as set, else the default for the brokers up; refused when fewer brokers are up than copies. */
async function newTopicReplication(admin: Admin, replication: Partial<Replication>): Promise<Replication> {
  const up = (await admin.describeCluster()).brokers.length;
  const factor = replication.factor ?? defaultReplication(up).factor;
  if (factor > up) throw new Error(`cannot create kafka topics with ${factor} replicas: ${up} broker(s) up (${REPLICATION_ENV.factor})`);
  return { factor, minInsync: Math.min(factor, replication.minInsync ?? defaultReplication(factor).minInsync) };
}

/**
 * Each existing topic's wanted retention.ms and min.insync.replicas. The latter never exceeds the topic's replicas (a
 * higher one would refuse every write); a topic with fewer replicas than asked for is reported, since raising them is
 * a partition reassignment, not a config change.
 */
async function wantedConfigs(admin: Admin, topics: string[], retentionOf: Map<string, string>, replication: Partial<Replication>): Promise<Array<[string, Record<string, string>]>> {
  if (topics.length === 0) return [];
  const metadata = await admin.fetchTopicMetadata({ topics });
  return topics.map((topic) => {
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
    const replicas = Math.min(...partitions.map((p) => p.replicas.length));
    const wanted: Record<string, string> = { [RETENTION_MS]: retentionOf.get(topic)! };
    if (Number.isFinite(replicas) && replicas > 0) {
      if (replication.factor !== undefined && replicas < replication.factor) {
        logger.warn({ topic, replicas, wanted: replication.factor }, 'kafka topic has fewer replicas than asked for; reassign its partitions to raise them');
      }
      wanted[MIN_INSYNC] = String(Math.min(replicas, replication.minInsync ?? defaultReplication(replicas).minInsync));
    }
    return [topic, wanted];
  });
}

/**
 * Sets the wanted configs where they differ. AlterConfigs replaces a topic's whole set of overrides, so the topic's
 * other overrides are sent along unchanged.
 */
async function alignConfigs(admin: Admin, topics: Array<[string, Record<string, string>]>): Promise<void> {
  if (topics.length === 0) return;
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map(([name]) => ({ type: ConfigResourceTypes.TOPIC, name })) });
  const changes = topics.flatMap(([name, wanted]) => {
    const entries = resources.find((r) => r.resourceName === name)?.configEntries ?? [];
    if (Object.entries(wanted).every(([key, value]) => entries.find((e) => e.configName === key)?.configValue === value)) return [];
    const overrides = entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && !e.isSensitive && !(e.configName in wanted));
    const configEntries = [...overrides.map((e) => ({ name: e.configName, value: e.configValue })), ...Object.entries(wanted).map(([key, value]) => ({ name: key, value }))];
    return [{ type: ConfigResourceTypes.TOPIC, name, configEntries }];
  });
  if (changes.length === 0) return;
  await admin.alterConfigs({ validateOnly: false, resources: changes });
  logger.info({ topics: changes.map((c) => c.name) }, 'kafka topic retention or replication changed');
}

/**
 * Connects a producer, waiting out a broker that is not reachable (yet, or any more). kafkajs gives up at once when an
 * idempotent producer's initProducerId meets a connection error, which ended a consumers process whose broker went
 * away while it was starting.
 */
export function connectProducer(producer: Producer, what: string): Promise<void> {
  return untilReady(`kafka (${what})`, () => producer.connect());
}

/**
 * The producer every Helix sender uses for acks: -1 sends: idempotent, one request in flight (in order), never
 * creating topics. kafkajs (2.2.4) can resolve a send that left messages unwritten: when a partition's leader dies
 * mid-send and the partition moves to a broker that had already answered for other partitions, its retry skips that
 * broker (tulios/kafkajs#1303). Here a send whose answer lacks a partition it had messages for fails instead, and the
 * caller sends again (every sink dedupes by event id). `createPartitioner` defaults to kafkajs' default partitioner.
 */
export function createDurableProducer(kafka: Kafka, opts: { createPartitioner?: ICustomPartitioner } = {}): Producer {
  // The partition each message of a send in progress was given, keyed by the message object the caller passed in and
  // dropped when its send ends. A Map, not a WeakMap: garbage collections must walk a WeakMap's entries, which on the
  // event path costs more than this whole check.
  const partitionOf = new Map<Message, number>();
  const createPartitioner: ICustomPartitioner = () => {
    const partitioner = (opts.createPartitioner ?? Partitioners.DefaultPartitioner)();
    return (args) => {
      const partition = partitioner(args);
      partitionOf.set(args.message, partition);
      return partition;
    };
  };
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, createPartitioner });
  const sendBatch = async (batch: ProducerBatch) => {
    let answered: Awaited<ReturnType<Producer['sendBatch']>>;
    try {
      answered = await producer.sendBatch(batch);
    } catch (err) {
      for (const { messages } of batch.topicMessages ?? []) for (const m of messages) partitionOf.delete(m);
      throw err;
    }
    const acked = new Map<string, Set<number>>();
    for (const r of answered) acked.set(r.topicName, (acked.get(r.topicName) ?? new Set()).add(r.partition));
    const unacked = new Set<string>();
    for (const { topic, messages } of batch.topicMessages ?? []) {
      for (const m of messages) {
        const partition = partitionOf.get(m);
        partitionOf.delete(m);
        if (partition !== undefined && !acked.get(topic)?.has(partition)) unacked.add(`${topic}[${partition}]`);
      }
    }
    if (unacked.size > 0) throw Object.assign(new Error(`kafka left ${[...unacked].join(', ')} unacknowledged (a leader moved during the send)`), { retriable: true });
    return answered;
  };
  return {
    ...producer,
    sendBatch,
    send: ({ topic, messages, ...rest }) => sendBatch({ ...rest, topicMessages: [{ topic, messages }] }),
  };
}
