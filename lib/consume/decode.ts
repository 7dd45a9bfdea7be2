// Kafka message → validated Helix event, shared by the consumer groups. A message that fails here is poison: the
// consume loop dead-letters it with the reason.
import type { KafkaMessage } from 'kafkajs';
import { validateEvent, type HelixEvent } from '../../schemas/events.ts';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The message's JSON, parsed. */
export function parseMessage(message: KafkaMessage): Decoded<unknown> {
  if (!message.value) return { ok: false, reason: 'empty message' };
  try {
    return { ok: true, value: JSON.parse(message.value.toString('utf8')) as unknown };
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
}

/** The message as one of the event types of schemas/events.ts, checked against its schema. */
export function decodeEvent(message: KafkaMessage): Decoded<HelixEvent> {
  const parsed = parseMessage(message);
  if (!parsed.ok) return parsed;
  const result = validateEvent(parsed.value);
  return result.ok ? { ok: true, value: result.event } : result;
}
