// The one consume loop every consumer group uses: mini-batches, the sink's write retried with capped backoff while
// the failure is transient, messages that can never be written (undecodable, or isolated from a batch whose
// failure blames the data: isolation.ts) to the dead-letter topic with a reason, and offsets resolved only after
// the write and the dead letters succeeded — so a crash redelivers, never skips, and no bad message stops a
// partition. With `batch`, all partitions feed one write (by size and time: batcher.ts). Lag and write metrics:
// metrics.ts.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { topicName, type TopicId } from '../../schemas/topics.ts';
import { logger } from '../logger.ts';
import { untilReady } from '../until-ready.ts';
import { Batcher } from './batcher.ts';
import type { Failure } from './failures.ts';
import { Stopped, retryUntilDone, writeIsolating, type RetryPolicy } from './isolation.ts';
import { consumerMetrics, serveMetrics, trackLag } from './metrics.ts';

export interface DecodedMessage<T> {
  value: T;
  topic: string;
  partition: number;
  offset: string;
}

export interface Sink<T> {
  /** Turns a raw message into a typed value, or returns a reason to dead-letter it. */
  decode(message: KafkaMessage, topic: string): { ok: true; value: T } | { ok: false; reason: string };
  /**
   * Must be idempotent: a redelivered batch may contain values already written, and so may a part of a batch
   * whose write failed (see isolation.ts). A failure caused by one value should say so (failures.ts:
   * PermanentFailure, or a ClickHouse error naming bad data) so the value is dead-lettered; any other is retried.
   */
  write(batch: Array<DecodedMessage<T>>): Promise<void>;
}

export interface ConsumerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: TopicId[];
  topicPrefix?: string;
  sink: Sink<T>;
  miniBatch?: number;
  fromBeginning?: boolean;
  maxBackoffMs?: number;
  /** Batch across partitions: one sink write per `maxItems` messages or `lingerMs`, whichever comes first. */
  batch?: { maxItems: number; lingerMs: number };
  /** Serve the process's consumer metrics (lag …) on this port (shared by every group of the process). */
  metricsPort?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  stats(): { written: number; deadLettered: number; retrying: boolean };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HEARTBEAT_MS = 3_000;

/** A message on its way to the dead-letter topic, with where it came from and why. */
interface DeadLetter {
  message: KafkaMessage;
  topic: string;
  partition: number;
  reason: string;
}

export async function runConsumer<T>(opts: ConsumerOptions<T>): Promise<RunningConsumer> {
  const prefix = opts.topicPrefix;
  const groupId = `${prefix ?? ''}${opts.groupId}`;
  const consumer: Consumer = opts.kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    // Batching consumers take bigger fetches (kafkajs' 1 MB per partition caps a round at a few thousand events),
    // but bounded: a round should be about one write, not several held in memory at once.
    ...(opts.batch ? { maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 } : {}),
    sessionTimeout: 30_000,
    heartbeatInterval: HEARTBEAT_MS,
    // A broker outage longer than kafkajs' retries must not leave the group dead: always rejoin.
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10, restartOnFailure: async () => true },
  });
  const dlq: Producer = opts.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  const miniBatch = opts.miniBatch ?? 1_000;
  const topics = opts.topics.map((t) => topicName(t, prefix));
  const labels = { group: opts.groupId };
  let stopping = false;
  let written = 0;
  let deadLettered = 0;
  let retrying = false;
  /** The Kafka message each decoded value came from (for the dead-letter topic, should its write be refused). */
  const sources = new WeakMap<DecodedMessage<T>, KafkaMessage>();

  const retryPolicy = (what: string, gone: () => boolean, whileWaiting?: () => Promise<void>): RetryPolicy => ({
    stopped: gone,
    maxBackoffMs: opts.maxBackoffMs ?? 5_000,
    whileWaiting,
    succeeded() {
      retrying = false;
      consumerMetrics.retrying.set(labels, 0);
    },
    retrying(failure: Failure, waitMs: number) {
      retrying = true;
      consumerMetrics.retrying.set(labels, 1);
      consumerMetrics.writeFailures.inc(labels);
      const message = failure.permanent ? `${what} refused; trying again before isolating the bad message` : `${what} failed; retrying`;
      logger.warn({ err: failure.reason, group: opts.groupId, retryInMs: waitMs }, message);
    },
  });

  const timedWrite = async (batch: Array<DecodedMessage<T>>) => {
    const end = consumerMetrics.writeSeconds.startTimer(labels);
    await opts.sink.write(batch);
    end();
    consumerMetrics.batchSize.observe(labels, batch.length);
  };

  /**
   * Writes the decoded messages and dead-letters the ones that can never be written, plus `undecodable`; resolves
   * once all of that is durable (throws Stopped if the loop gives up first: then nothing of it is committed).
   */
  const writeAll = async (good: Array<DecodedMessage<T>>, undecodable: DeadLetter[], gone: () => boolean, whileWaiting?: () => Promise<void>) => {
    const refused = good.length > 0 ? await writeIsolating(good, timedWrite, retryPolicy('sink write', gone, whileWaiting)) : [];
    const dead = [
      ...undecodable,
      ...refused.map(({ item, reason }) => ({ message: sources.get(item)!, topic: item.topic, partition: item.partition, reason: `write refused: ${reason}` })),
    ];
    if (dead.length > 0) await retryUntilDone(() => deadLetter(dlq, prefix, opts.groupId, dead), retryPolicy('dead-letter send', gone, whileWaiting));
    written += good.length - refused.length;
    deadLettered += dead.length;
    consumerMetrics.messages.inc({ ...labels, outcome: 'written' }, good.length - refused.length);
    consumerMetrics.messages.inc({ ...labels, outcome: 'dead_lettered' }, dead.length);
  };

  const decodeAll = (messages: KafkaMessage[], topic: string, partition: number) => {
    const good: Array<DecodedMessage<T>> = [];
    const bad: DeadLetter[] = [];
    for (const message of messages) {
      const decoded = safeDecode(opts.sink, message, topic);
      if (decoded.ok) {
        const item = { value: decoded.value, topic, partition, offset: message.offset };
        sources.set(item, message);
        good.push(item);
      } else bad.push({ message, topic, partition, reason: decoded.reason });
    }
    return { good, bad };
  };

  // Per partition: each mini-batch is written (and its bad messages dead-lettered) before its offsets resolve.
  const eachPartitionBatch = async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
    const gone = () => !isRunning() || isStale() || stopping;
    for (let i = 0; i < batch.messages.length; i += miniBatch) {
      if (gone()) return;
      const slice = batch.messages.slice(i, i + miniBatch);
      const { good, bad } = decodeAll(slice, batch.topic, batch.partition);
      try {
        await writeAll(good, bad, gone, () => heartbeat().catch(() => undefined));
      } catch (err) {
        if (err instanceof Stopped) return; // not resolved: redelivered after the rebalance/restart
        throw err;
      }
      resolveOffset(slice[slice.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  };

  // Across partitions: every handler adds its messages to one batcher and goes on fetching; a partition's offsets are
  // committed (explicitly, in order) once the write holding its messages succeeded. Fetching and decoding the next
  // round thus overlaps the current write. A handler waits only when the batcher is full (backpressure) — and then
  // heartbeats, so a long ClickHouse outage does not cost the group its membership.
  const batcher = opts.batch
    ? new Batcher<DecodedMessage<T>>({ ...opts.batch, write: (items) => writeAll(items, [], () => stopping) })
    : undefined;
  let commits: Promise<unknown> = Promise.resolve();
  const commitAfter = (written: Promise<void>, topic: string, partition: number, last: string) =>
    written.then(
      () => {
        commits = commits
          .then(() => consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]))
          // A lost commit only means a redelivery, which the sink dedupes; the next commit covers it.
          .catch((err: unknown) => logger.warn({ err: (err as Error).message, group: opts.groupId, topic, partition }, 'offset commit failed'));
      },
      () => undefined, // stopped before the write: not committed, redelivered after restart
    );

  const eachSharedBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    const gone = () => !isRunning() || isStale() || stopping;
    if (batch.messages.length === 0 || gone()) return;
    const { good, bad } = decodeAll(batch.messages, batch.topic, batch.partition);
    if (bad.length > 0) {
      try {
        await writeAll([], bad, gone, () => heartbeat().catch(() => undefined));
      } catch (err) {
        if (err instanceof Stopped) return;
        throw err;
      }
    }
    const last = batch.messages[batch.messages.length - 1]!.offset;
    const written = batcher!.add(good);
    void commitAfter(written, batch.topic, batch.partition, last);
    // Moves kafkajs' fetch position only (autoCommit is off in this mode): the commit waits for the write.
    resolveOffset(last);
    if (batcher!.pending < opts.batch!.maxItems) return;
    const outcome = written.then(
      () => 'written' as const,
      () => 'stopped' as const,
    );
    for (;;) {
      const state = await Promise.race([outcome, sleep(1_000).then(() => 'waiting' as const)]);
      if (state !== 'waiting' || gone()) return;
      await heartbeat().catch(() => undefined);
    }
  };

  await untilReady(`kafka (${groupId})`, async () => {
    await Promise.all([consumer.connect(), dlq.connect()]);
    await consumer.subscribe({ topics, fromBeginning: opts.fromBeginning ?? true });
  });
  const untrack = trackLag({ kafka: opts.kafka, groupId, topics });
  const releaseMetrics = opts.metricsPort ? await serveMetrics(opts.metricsPort, process.env.HELIX_HOST) : async () => undefined;

  await consumer.run({
    eachBatchAutoResolve: false,
    // Shared batching commits explicitly after each write.
    autoCommit: !batcher,
    // Shared batching needs every assigned partition's handler running at once (kafkajs waits for all of a
    // fetch round's handlers before fetching again).
    partitionsConsumedConcurrently: batcher ? 64 : 1,
    eachBatch: batcher ? eachSharedBatch : eachPartitionBatch,
  });

  return {
    async stop() {
      // Give what is buffered a last chance to be written and committed (not forever: ClickHouse may be down).
      await Promise.race([batcher?.flush(), sleep(5_000)]);
      await commits;
      stopping = true;
      untrack();
      await consumer.disconnect().catch(() => undefined);
      await dlq.disconnect().catch(() => undefined);
      await releaseMetrics();
    },
    stats: () => ({ written, deadLettered, retrying }),
  };
}

function safeDecode<T>(sink: Sink<T>, message: KafkaMessage, topic: string) {
  try {
    return sink.decode(message, topic);
  } catch (err) {
    return { ok: false as const, reason: `decode threw: ${(err as Error).message}` };
  }
}

async function deadLetter(dlq: Producer, prefix: string | undefined, group: string, dead: DeadLetter[]) {
  await dlq.send({
    topic: topicName('deadLetter', prefix),
    acks: -1,
    messages: dead.map(({ message, topic, partition, reason }) => ({
      key: message.key,
      value: message.value,
      headers: { 'x-helix-reason': reason.slice(0, 500), 'x-helix-source-topic': topic, 'x-helix-source-partition': String(partition), 'x-helix-source-offset': message.offset, 'x-helix-group': group },
    })),
  });
  const first = dead[0]!;
  logger.warn({ group, count: dead.length, topic: first.topic, partition: first.partition, offset: first.message.offset, reason: first.reason }, 'messages dead-lettered');
}
