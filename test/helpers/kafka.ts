// Reads Helix events back from Kafka in tests.
import { randomUUID } from 'node:crypto';
import { createKafka } from '../../lib/kafka.ts';
import { topicName, type TopicId } from '../../schemas/topics.ts';
import { waitFor } from './processes.ts';

export interface ReadEvent {
  topic: string;
  key: string;
  value: Record<string, unknown>;
}

/** Consumes the given topics from the beginning until `done(events)` is true or the timeout passes. */
export async function readEvents(brokers: string[], prefix: string, topics: TopicId[], done: (events: ReadEvent[]) => boolean, timeoutMs = 30_000): Promise<ReadEvent[]> {
  const kafka = createKafka(brokers, 'helix-test-reader');
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const events: ReadEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: topics.map((t) => topicName(t, prefix)), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        events.push({ topic, key: message.key?.toString() ?? '', value: JSON.parse(message.value!.toString()) as Record<string, unknown> });
      },
    });
    await waitFor('events on kafka', async () => done(events), timeoutMs, 100);
    return events;
  } finally {
    await consumer.disconnect();
  }
}
