// What a consumer group hands the consume loop: how to decode a message and how to write a batch of decoded ones.
import type { KafkaMessage } from 'kafkajs';

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
