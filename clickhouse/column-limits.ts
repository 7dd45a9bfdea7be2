// What the event schemas do not say but the ClickHouse columns do: how wide a number may be and which dates a
// DateTime64 holds. ClickHouse does not refuse an integer too wide for its column — it wraps it (2^33 lands in a
// UInt32 as 0) — so a token count out of range would be stored wrong and billed wrong. Checked when a consumer
// decodes an event, such a value makes the message poison: dead-lettered with its reason, never written.
import type { KafkaMessage } from 'kafkajs';
import { EVENT_TYPES, columnsOf, type HelixEvent } from '../schemas/events.ts';
import { decodeEvent, type Decoded } from '../lib/consume/decode.ts';

type Check = (value: unknown) => string | undefined;

const INTEGER_BITS = /^(U?)Int(8|16|32|64)$/;
const DECIMAL = /^Decimal\((\d+),\s*(\d+)\)$/;
/** DateTime64's range. */
const EARLIEST_MS = Date.UTC(1900, 0, 1);
const LATEST_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

function integerCheck(unsigned: boolean, bits: number): Check {
  const max = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  const min = unsigned ? 0 : -(2 ** (bits - 1));
  const type = `${unsigned ? 'U' : ''}Int${bits}`;
  return (v) => (typeof v === 'number' && (!Number.isInteger(v) || v < min || v > max) ? `${v} does not fit ${type}` : undefined);
}

function decimalCheck(precision: number, scale: number): Check {
  const bound = 10 ** (precision - scale);
  return (v) => (typeof v === 'number' && !(Math.abs(v) < bound) ? `${v} does not fit Decimal(${precision}, ${scale})` : undefined);
}

/** ISO 8601 as the producers write it (toISOString), with or without time, fraction and offset. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Stricter than Date.parse, which takes "hello 2024" and rolls 2024-02-30 over into March — values ClickHouse
 * refuses, or the ledger would book in another period.
 */
const dateCheck: Check = (v) => {
  if (typeof v !== 'string') return undefined;
  const shown = JSON.stringify(v.slice(0, 40));
  const m = ISO_DATE_TIME.exec(v);
  if (!m) return `${shown} is not an ISO 8601 date`;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return `${shown} is not a calendar date`;
  const ms = Date.parse(v);
  return ms >= EARLIEST_MS && ms <= LATEST_MS ? undefined : `${shown} is outside DateTime64's range`;
};

function checkFor(chType: string): Check | undefined {
  const type = chType.replace(/^Nullable\((.*)\)$/, '$1');
  const int = INTEGER_BITS.exec(type);
  if (int) return integerCheck(int[1] === 'U', Number(int[2]));
  const dec = DECIMAL.exec(type);
  if (dec) return decimalCheck(Number(dec[1]), Number(dec[2]));
  return type.startsWith('DateTime') ? dateCheck : undefined;
}

/** Per event type, the columns worth checking (strings, booleans, UUIDs and floats are the schema's business). */
const checks = new Map<string, Array<[string, Check]>>(
  Object.entries(EVENT_TYPES).map(([type, d]) => [type, columnsOf(d.schema).flatMap(({ name, type: ch }) => {
    const check = checkFor(ch);
    return check ? [[name, check] as [string, Check]] : [];
  })]),
);

/** Why ClickHouse could not store this (already schema-valid) event as it is, or undefined when it can. */
export function columnLimitError(event: HelixEvent): string | undefined {
  const fields = event as unknown as Record<string, unknown>;
  for (const [name, check] of checks.get(event.type) ?? []) {
    const problem = fields[name] === undefined || fields[name] === null ? undefined : check(fields[name]);
    if (problem) return `/${name}: ${problem}`;
  }
  return undefined;
}

/** decodeEvent, plus the column limits: what passes can be written as it is. */
export function decodeStorableEvent(message: KafkaMessage): Decoded<HelixEvent> {
  const result = decodeEvent(message);
  if (!result.ok) return result;
  const problem = columnLimitError(result.value);
  return problem ? { ok: false, reason: problem } : result;
}
