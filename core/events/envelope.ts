// The one way events are built: the type's own fields, then the versioned envelope (id, type, schema version, time, who
// it is about) set on that same object. Eight named stores onto the caller's literal keep the event a fast object to
// build and serialise; copying twenty-odd fields onto an envelope literal (Object.assign) or spreading does not
// (bench/events.ts).
import { createHash, randomUUID } from 'node:crypto';
import { SCHEMA_VERSIONS, type VersionedEventType } from '../../schemas/columns.ts';

/** The request and tenant an event is about (empty strings where there is none). */
export interface EventSubject {
  request_id: string;
  key_id: string;
  team_id: string;
  user_id: string;
}

export interface Envelope<T extends VersionedEventType = VersionedEventType> extends EventSubject {
  event_id: string;
  type: T;
  schema_version: number;
  ts: string;
}

export interface EnvelopeOptions {
  /** A derived id, for events that must be the same on a replay (ledger entries, alerts). Default: a random UUID. */
  id?: string;
  /** When it happened (ISO 8601). Default: now. */
  ts?: string;
}

type EnvelopeKey = keyof Envelope;

/**
 * Builds an event of `type` from `fields` (everything the type has beyond the envelope) and the envelope. `fields`
 * itself becomes the event: pass a fresh object literal.
 */
export function newEvent<E extends { type: VersionedEventType }>(type: E['type'], subject: EventSubject, fields: Omit<E, EnvelopeKey>, opts?: EnvelopeOptions): E {
  const event = fields as Omit<E, EnvelopeKey> & Envelope;
  event.event_id = opts?.id ?? randomUUID();
  event.type = type;
  event.schema_version = SCHEMA_VERSIONS[type];
  event.ts = opts?.ts ?? isoNow();
  event.request_id = subject.request_id;
  event.key_id = subject.key_id;
  event.team_id = subject.team_id;
  event.user_id = subject.user_id;
  return event as unknown as E;
}

let isoMs = Number.NaN;
let iso = '';

/** The current time in ISO 8601, formatted once per millisecond (events come many to a millisecond under load). */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/**
 * A stable UUID for a derived event (an entry of a response event, an alert of an entry): the same input always
 * gives the same id, so a re-published entry or alert is deduplicated downstream like any redelivery.
 */
export function derivedId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  // RFC 4122 layout, version 5 and variant bits set, so it passes `format: uuid` and ClickHouse's UUID.
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
