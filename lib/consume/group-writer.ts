// Gets one group's messages durably handled: decodes them, writes the good ones through the sink (retried with
// capped backoff, the data's bad apples isolated: isolation.ts), dead-letters the undecodable and the refused, and
// counts what it wrote and dead-lettered. Both consume modes (per-partition.ts, shared-batch.ts) write through it.
import type { KafkaMessage, Producer } from 'kafkajs';
import { logger } from '../logger.ts';
import { sendDeadLetters, type DeadLetter } from './dead-letter.ts';
import type { Failure } from './failures.ts';
import { Stopped, retryUntilDone, writeIsolating, type RetryPolicy } from './isolation.ts';
import { consumerMetrics } from './metrics.ts';
import type { ConsumerStats } from './options.ts';
import type { DecodedMessage, Sink } from './sink.ts';

export interface GroupWriterOptions<T> {
  sink: Sink<T>;
  dlq: Producer;
  topicPrefix?: string;
  /** The group id without the topic prefix (metric labels, dead-letter headers, logs). */
  group: string;
  maxBackoffMs?: number;
}

export class GroupWriter<T> {
  private written = 0;
  private deadLettered = 0;
  private retrying = false;
  /** The Kafka message each decoded value came from (for the dead-letter topic, should its write be refused). */
  private readonly sources = new WeakMap<DecodedMessage<T>, KafkaMessage>();
  private readonly labels: { group: string };

  constructor(private readonly opts: GroupWriterOptions<T>) {
    this.labels = { group: opts.group };
  }

  stats(): ConsumerStats {
    return { written: this.written, deadLettered: this.deadLettered, retrying: this.retrying };
  }

  /** The messages the sink can decode, and the others on their way to the dead-letter topic. */
  decode(messages: KafkaMessage[], topic: string, partition: number): { good: Array<DecodedMessage<T>>; bad: DeadLetter[] } {
    const good: Array<DecodedMessage<T>> = [];
    const bad: DeadLetter[] = [];
    for (const message of messages) {
      const decoded = safeDecode(this.opts.sink, message, topic);
      if (decoded.ok) {
        const item = { value: decoded.value, topic, partition, offset: message.offset };
        this.sources.set(item, message);
        good.push(item);
      } else bad.push({ message, topic, partition, reason: decoded.reason });
    }
    return { good, bad };
  }

  /**
   * Writes the decoded messages and dead-letters the ones that can never be written, plus `undecodable`; resolves
   * once all of that is durable (throws Stopped if the loop gives up first: then nothing of it is committed).
   */
  async write(good: Array<DecodedMessage<T>>, undecodable: DeadLetter[], gone: () => boolean, whileWaiting?: () => Promise<void>): Promise<void> {
    const refused = good.length > 0 ? await writeIsolating(good, (batch) => this.timedWrite(batch), this.retryPolicy('sink write', gone, whileWaiting)) : [];
    const dead = [
      ...undecodable,
      ...refused.map(({ item, reason }) => ({ message: this.sources.get(item)!, topic: item.topic, partition: item.partition, reason: `write refused: ${reason}` })),
    ];
    if (dead.length > 0) {
      await retryUntilDone(() => sendDeadLetters(this.opts.dlq, this.opts.topicPrefix, this.opts.group, dead), this.retryPolicy('dead-letter send', gone, whileWaiting));
    }
    this.written += good.length - refused.length;
    this.deadLettered += dead.length;
    consumerMetrics.messages.inc({ ...this.labels, outcome: 'written' }, good.length - refused.length);
    consumerMetrics.messages.inc({ ...this.labels, outcome: 'dead_lettered' }, dead.length);
  }

  /** write() for a kafkajs batch handler: heartbeats while it waits; false if the loop gave up (nothing to commit). */
  async writeWithin(good: Array<DecodedMessage<T>>, undecodable: DeadLetter[], gone: () => boolean, heartbeat: () => Promise<void>): Promise<boolean> {
    try {
      await this.write(good, undecodable, gone, () => heartbeat().catch(() => undefined));
      return true;
    } catch (err) {
      if (err instanceof Stopped) return false;
      throw err;
    }
  }

  private async timedWrite(batch: Array<DecodedMessage<T>>): Promise<void> {
    const end = consumerMetrics.writeSeconds.startTimer(this.labels);
    await this.opts.sink.write(batch);
    end();
    consumerMetrics.batchSize.observe(this.labels, batch.length);
  }

  private retryPolicy(what: string, gone: () => boolean, whileWaiting?: () => Promise<void>): RetryPolicy {
    return {
      stopped: gone,
      maxBackoffMs: this.opts.maxBackoffMs ?? 5_000,
      whileWaiting,
      succeeded: () => {
        this.retrying = false;
        consumerMetrics.retrying.set(this.labels, 0);
      },
      retrying: (failure: Failure, waitMs: number) => {
        this.retrying = true;
        consumerMetrics.retrying.set(this.labels, 1);
        consumerMetrics.writeFailures.inc(this.labels);
        const message = failure.permanent ? `${what} refused; trying again before isolating the bad message` : `${what} failed; retrying`;
        logger.warn({ err: failure.reason, group: this.opts.group, retryInMs: waitMs }, message);
      },
    };
  }
}

function safeDecode<T>(sink: Sink<T>, message: KafkaMessage, topic: string) {
  try {
    return sink.decode(message, topic);
  } catch (err) {
    return { ok: false as const, reason: `decode threw: ${(err as Error).message}` };
  }
}
