// The one consume loop every consumer group uses: mini-batches, the sink's write retried with capped backoff,
// bad messages to the dead-letter topic with a reason, and offsets resolved only after the write (or the DLQ)
// succeeded — so a crash redelivers, never skips. With `batch`, all partitions feed one write (by size and time:
// batcher.ts). Lag and write metrics: metrics.ts.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { topicName, type TopicId } from '../schemas/topics.ts';
import { logger } from '../lib/logger.ts';
import { untilReady } from '../lib/until-ready.ts';
import { Batcher } from './batcher.ts';
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
  /** Must be idempotent: a redelivered batch may contain values already written. */
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

class Stopped extends Error {}

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
  const dlq: Producer = opts.kafka.producer({ allowAutoTopicCreation: false });
  const miniBatch = opts.miniBatch ?? 1_000;
  const maxBackoff = opts.maxBackoffMs ?? 5_000;
  const topics = opts.topics.map((t) => topicName(t, prefix));
  const labels = { group: opts.groupId };
  let stopping = false;
  let written = 0;
  let deadLettered = 0;
  let retrying = false;

  /** Runs `attempt` until it succeeds, with capped exponential backoff; throws Stopped once `giveUp()` says so. */
  const withRetry = async (attempt: () => Promise<void>, giveUp: () => boolean, whileWaiting: () => Promise<void>) => {
    let backoff = 100;
    for (;;) {
      try {
        await attempt();
        retrying = false;
        consumerMetrics.retrying.set(labels, 0);
        return;
      } catch (err) {
        if (giveUp()) throw new Stopped();
        retrying = true;
        consumerMetrics.retrying.set(labels, 1);
        consumerMetrics.writeFailures.inc(labels);
        logger.warn({ err: (err as Error).message, group: opts.groupId, retryInMs: backoff }, 'sink write failed; retrying');
        await sleep(backoff);
        backoff = Math.min(maxBackoff, backoff * 2);
        await whileWaiting();
      }
    }
  };

  const timedWrite = async (batch: Array<DecodedMessage<T>>) => {
    const end = consumerMetrics.writeSeconds.startTimer(labels);
    await opts.sink.write(batch);
    end();
    consumerMetrics.batchSize.observe(labels, batch.length);
  };

  const decodeAll = (messages: KafkaMessage[], topic: string, partition: number) => {
    const good: Array<DecodedMessage<T>> = [];
    const bad: Array<{ message: KafkaMessage; reason: string }> = [];
    for (const message of messages) {
      const decoded = safeDecode(opts.sink, message, topic);
      if (decoded.ok) good.push({ value: decoded.value, topic, partition, offset: message.offset });
      else bad.push({ message, reason: decoded.reason });
    }
    return { good, bad };
  };

  const settled = (good: number, bad: number) => {
    written += good;
    deadLettered += bad;
    consumerMetrics.messages.inc({ ...labels, outcome: 'written' }, good);
    consumerMetrics.messages.inc({ ...labels, outcome: 'dead_lettered' }, bad);
  };

  // Per partition: each mini-batch is written (and its bad messages dead-lettered) before its offsets resolve.
  const eachPartitionBatch = async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
    const gone = () => !isRunning() || isStale() || stopping;
    for (let i = 0; i < batch.messages.length; i += miniBatch) {
      if (gone()) return;
      const slice = batch.messages.slice(i, i + miniBatch);
      const { good, bad } = decodeAll(slice, batch.topic, batch.partition);
      const attempt = async () => {
        if (good.length > 0) await timedWrite(good);
        if (bad.length > 0) await deadLetter(dlq, prefix, opts.groupId, batch.topic, batch.partition, bad);
      };
      try {
        await withRetry(attempt, gone, () => heartbeat().catch(() => undefined));
      } catch (err) {
        if (err instanceof Stopped) return; // not resolved: redelivered after the rebalance/restart
        throw err;
      }
      settled(good.length, bad.length);
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
    ? new Batcher<DecodedMessage<T>>({
        ...opts.batch,
        write: (items) => withRetry(() => timedWrite(items), () => stopping, async () => undefined),
      })
    : undefined;
  let commits: Promise<unknown> = Promise.resolve();
  const commitAfter = (written: Promise<void>, topic: string, partition: number, last: string, counts: { good: number; bad: number }) =>
    written.then(
      () => {
        commits = commits
          .then(() => consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]))
          .then(() => settled(counts.good, counts.bad))
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
        await withRetry(() => deadLetter(dlq, prefix, opts.groupId, batch.topic, batch.partition, bad), gone, () => heartbeat().catch(() => undefined));
      } catch (err) {
        if (err instanceof Stopped) return;
        throw err;
      }
    }
    const last = batch.messages[batch.messages.length - 1]!.offset;
    const written = batcher!.add(good);
    void commitAfter(written, batch.topic, batch.partition, last, { good: good.length, bad: bad.length });
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

async function deadLetter(dlq: Producer, prefix: string | undefined, group: string, topic: string, partition: number, bad: Array<{ message: KafkaMessage; reason: string }>) {
  await dlq.send({
    topic: topicName('deadLetter', prefix),
    acks: -1,
    messages: bad.map(({ message, reason }) => ({
      key: message.key,
      value: message.value,
      headers: { 'x-helix-reason': reason.slice(0, 500), 'x-helix-source-topic': topic, 'x-helix-source-partition': String(partition), 'x-helix-source-offset': message.offset, 'x-helix-group': group },
    })),
  });
  logger.warn({ count: bad.length, topic, reason: bad[0]?.reason }, 'messages dead-lettered');
}
