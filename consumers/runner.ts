// The one consume loop every consumer group uses: mini-batches, the sink's write retried with capped backoff,
// bad messages to the dead-letter topic with a reason, and offsets resolved only after the write (or the DLQ)
// succeeded — so a crash redelivers, never skips.
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { topicName, type TopicId } from '../schemas/topics.ts';
import { logger } from '../lib/logger.ts';

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
}

export interface RunningConsumer {
  stop(): Promise<void>;
  stats(): { written: number; deadLettered: number; retrying: boolean };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runConsumer<T>(opts: ConsumerOptions<T>): Promise<RunningConsumer> {
  const prefix = opts.topicPrefix;
  const consumer: Consumer = opts.kafka.consumer({
    groupId: `${prefix ?? ''}${opts.groupId}`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    // A broker outage longer than kafkajs' retries must not leave the group dead: always rejoin.
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10, restartOnFailure: async () => true },
  });
  const dlq: Producer = opts.kafka.producer({ allowAutoTopicCreation: false });
  const miniBatch = opts.miniBatch ?? 1_000;
  const maxBackoff = opts.maxBackoffMs ?? 5_000;
  let stopping = false;
  let written = 0;
  let deadLettered = 0;
  let retrying = false;

  await Promise.all([consumer.connect(), dlq.connect()]);
  await consumer.subscribe({ topics: opts.topics.map((t) => topicName(t, prefix)), fromBeginning: opts.fromBeginning ?? true });

  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      for (let i = 0; i < batch.messages.length; i += miniBatch) {
        if (!isRunning() || isStale() || stopping) return;
        const slice = batch.messages.slice(i, i + miniBatch);
        const good: Array<DecodedMessage<T>> = [];
        const bad: Array<{ message: KafkaMessage; reason: string }> = [];
        for (const message of slice) {
          const decoded = safeDecode(opts.sink, message, batch.topic);
          if (decoded.ok) good.push({ value: decoded.value, topic: batch.topic, partition: batch.partition, offset: message.offset });
          else bad.push({ message, reason: decoded.reason });
        }
        let backoff = 100;
        for (;;) {
          try {
            if (good.length > 0) await opts.sink.write(good);
            if (bad.length > 0) await deadLetter(dlq, prefix, opts.groupId, batch.topic, batch.partition, bad);
            break;
          } catch (err) {
            if (!isRunning() || isStale() || stopping) return; // not resolved: redelivered after the rebalance/restart
            retrying = true;
            logger.warn({ err: (err as Error).message, group: opts.groupId, retryInMs: backoff }, 'sink write failed; retrying');
            await sleep(backoff);
            backoff = Math.min(maxBackoff, backoff * 2);
            await heartbeat().catch(() => undefined);
          }
        }
        retrying = false;
        written += good.length;
        deadLettered += bad.length;
        resolveOffset(slice[slice.length - 1]!.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
      }
    },
  });

  return {
    async stop() {
      stopping = true;
      await consumer.disconnect().catch(() => undefined);
      await dlq.disconnect().catch(() => undefined);
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
