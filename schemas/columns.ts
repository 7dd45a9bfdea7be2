// Building blocks of event schemas: each property carries the ClickHouse column type it maps to (`ch`), so one
// definition yields the TypeScript type, the validator and the table's columns.
import { FormatRegistry, Type, type TSchema } from '@sinclair/typebox';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID.test(v));

/** A property that maps to one ClickHouse column of the given type. */
export const col = <T extends TSchema>(schema: T, ch: string): T => ({ ...schema, ch }) as T;

export const str = (ch = 'String') => col(Type.String(), ch);
export const lc = () => col(Type.String(), 'LowCardinality(String)');
export const u32 = () => col(Type.Integer({ minimum: 0 }), 'UInt32');
export const f64 = () => col(Type.Number(), 'Float64');
export const bool = () => col(Type.Boolean(), 'Bool');
/** Money in USD: exact decimal in ClickHouse, a JSON number in events. */
export const usd = () => col(Type.Number(), 'Decimal(18, 9)');

/** Fields every event carries: the versioned envelope. */
export const envelope = {
  event_id: col(Type.String({ format: 'uuid' }), 'UUID'),
  schema_version: col(Type.Integer({ minimum: 1 }), 'UInt16'),
  ts: col(Type.String(), "DateTime64(3, 'UTC')"),
  request_id: str(),
  key_id: str(),
  team_id: str(),
  user_id: str(),
};

/**
 * The schema-version policy: one version per event type, raised when that type's fields change in a way readers must
 * know about (a removed or retyped field); added optional fields keep it. Every producer stamps it through
 * core/events/envelope.ts, so no event is built with a version of its own.
 */
export const SCHEMA_VERSIONS = {
  request: 1,
  response: 1,
  error: 1,
  audit: 1,
  pii: 1,
  ledger: 1,
  budget_alert: 1,
  cache: 1,
  cache_fill: 1,
  anomaly: 1,
  webhook_delivery: 1,
} as const;

export type VersionedEventType = keyof typeof SCHEMA_VERSIONS;

/** The `type` discriminator column. */
export const typeTag = <T extends string>(...types: T[]) =>
  col(types.length === 1 ? Type.Literal(types[0]!) : Type.Union(types.map((t) => Type.Literal(t))), 'LowCardinality(String)');

/** The first columns of every event table: event_id, type, then the rest of the envelope. */
export const eventHead = <T extends ReturnType<typeof typeTag>>(type: T) => {
  const { event_id, ...rest } = envelope;
  return { event_id, type, ...rest };
};

/** Which model/provider/deployment served the request. */
export const routing = {
  model: lc(),
  provider: lc(),
  deployment: lc(),
};
