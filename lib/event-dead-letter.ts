// Where the event bus puts an event Kafka will never take (too big even truncated, or refused by the broker): a small
// record on the dead-letter topic, so the events behind it keep flowing. The consumers dead-letter there too (whole
// messages, see lib/consume/dead-letter.ts); these records say `source: "event-bus"` and carry the same reason headers.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpooledMessage } from './spool.ts';
import { logger } from './logger.ts';

/** Dead-letter records that could not be produced either, one JSON line each, in the spool directory. */
export const DEAD_LETTER_FILE = 'dead-letter.jsonl';

/** How much of the event's JSON a record keeps, to recognise it by. */
const VALUE_HEAD_CHARS = 1024;
const REASON_CHARS = 500;
const KEY_CHARS = 256;

export interface DeadLetterRecord {
  source: 'event-bus';
  reason: string;
  /** The topic the event was meant for. */
  topic: string;
  key: string;
  event_id?: string;
  type?: string;
  size_bytes: number;
  value_head: string;
}

/** event_id and type, when the value is a JSON object that has them (bounded like the rest of the record). */
function identity(value: string): Pick<DeadLetterRecord, 'event_id' | 'type'> {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!parsed || typeof parsed !== 'object') return {};
    const { event_id, type } = parsed as Record<string, unknown>;
    return {
      ...(typeof event_id === 'string' ? { event_id: event_id.slice(0, KEY_CHARS) } : {}),
      ...(typeof type === 'string' ? { type: type.slice(0, KEY_CHARS) } : {}),
    };
  } catch {
    return {};
  }
}

export function deadLetterRecord(message: SpooledMessage, reason: string): DeadLetterRecord {
  return {
    source: 'event-bus',
    reason: reason.slice(0, REASON_CHARS),
    topic: message.topic,
    key: message.key.slice(0, KEY_CHARS),
    ...identity(message.value),
    size_bytes: Buffer.byteLength(message.value, 'utf8'),
    value_head: message.value.slice(0, VALUE_HEAD_CHARS),
  };
}

/** The record as a message for the dead-letter topic, with the headers the consumers' dead letters have. */
export function deadLetterMessage(record: DeadLetterRecord, deadLetterTopic: string): SpooledMessage {
  return {
    topic: deadLetterTopic,
    key: record.key,
    value: JSON.stringify(record),
    headers: { 'x-helix-reason': record.reason, 'x-helix-source-topic': record.topic, 'x-helix-source': 'event-bus' },
  };
}

/** Last resort when even the dead-letter topic refuses the record; a failure here is only logged. */
export function appendDeadLetterFile(dir: string, record: DeadLetterRecord): void {
  try {
    appendFileSync(join(dir, DEAD_LETTER_FILE), JSON.stringify(record) + '\n');
  } catch (err) {
    logger.error({ err: (err as Error).message, topic: record.topic, event_id: record.event_id }, 'dead-letter file write failed; event dropped');
  }
}

/** One bounded warning per dead-lettered event (never its content). */
export function logDeadLetter(record: DeadLetterRecord): void {
  logger.warn({ topic: record.topic, event_id: record.event_id, type: record.type, size_bytes: record.size_bytes, reason: record.reason }, 'event dead-lettered');
}
