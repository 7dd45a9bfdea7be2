// Sends messages that can never be written to the dead-letter topic, each with its origin and the reason in headers.
import type { KafkaMessage, Producer } from 'kafkajs';
import { topicName } from '../../schemas/topics.ts';
import { logger } from '../logger.ts';

/** A message on its way to the dead-letter topic, with where it came from and why. */
export interface DeadLetter {
  message: KafkaMessage;
  topic: string;
  partition: number;
  reason: string;
}

export async function sendDeadLetters(dlq: Producer, prefix: string | undefined, group: string, dead: DeadLetter[]): Promise<void> {
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
