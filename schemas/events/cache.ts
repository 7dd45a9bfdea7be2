// Cache messages. `cache_fill` (topic helix.cache.fill): one per cacheable completion — what the provider saw
// (after PII handling) and answered; the cache-builder group turns it into a semantic entry, and `helix replay
// cache` rebuilds the index from it. `cache` (topic helix.cache → ClickHouse `cache`): one per hit, with what it saved.
// Same conventions as schemas/events.ts: the versioned envelope and a `ch` ClickHouse column type per field.
import { FormatRegistry, Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TopicId } from '../topics.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID.test(v));

export const CACHE_SCHEMA_VERSION = 1;

/** Add to TOPICS in schemas/topics.ts as `cacheFill`. */
export const CACHE_FILL_TOPIC = { name: 'helix.cache.fill', partitions: 6 } as const;
// The one place that names the topic id until TOPICS declares it (see docs/cache.md, "Wiring").
export const CACHE_FILL_TOPIC_ID = 'cacheFill' as TopicId;

const col = <T extends TSchema>(schema: T, ch: string): T => ({ ...schema, ch }) as T;
const str = () => col(Type.String(), 'String');
const lc = () => col(Type.String(), 'LowCardinality(String)');
const u32 = () => col(Type.Integer({ minimum: 0 }), 'UInt32');
const f64 = () => col(Type.Number(), 'Float64');

const envelope = {
  event_id: col(Type.String({ format: 'uuid' }), 'UUID'),
  schema_version: col(Type.Integer({ minimum: 1 }), 'UInt16'),
  ts: col(Type.String(), "DateTime64(3, 'UTC')"),
  request_id: str(),
  key_id: str(),
  team_id: str(),
};

export const CacheFill = Type.Object({
  ...envelope,
  type: Type.Literal('cache_fill'),
  namespace: Type.String({ minLength: 1 }),
  model: Type.String({ minLength: 1 }),
  /** Hash of everything but the last user message (parameters, system prompt, earlier turns): must match exactly. */
  params_hash: Type.String({ minLength: 1 }),
  exact_key: Type.String({ minLength: 1 }),
  /** The last user message as the provider saw it: what is embedded and verified against. */
  prompt: Type.String(),
  /** The canonical request as the provider saw it (for rebuilding with other embedding rules). */
  request: Type.Record(Type.String(), Type.Unknown()),
  /** The provider's answer (an OpenAI chat.completion). */
  response: Type.Record(Type.String(), Type.Unknown()),
  ttl_seconds: Type.Integer({ minimum: 1 }),
  expires_at: Type.String(),
  upstream_ms: Type.Number({ minimum: 0 }),
  prompt_tokens: Type.Integer({ minimum: 0 }),
  completion_tokens: Type.Integer({ minimum: 0 }),
});

export const CacheEvent = Type.Object({
  ...envelope,
  type: col(Type.Literal('cache'), 'LowCardinality(String)'),
  user_id: str(),
  model: lc(),
  namespace: str(),
  /** exact | semantic */
  hit: lc(),
  entry_id: str(),
  similarity: f64(),
  saved_prompt_tokens: u32(),
  saved_completion_tokens: u32(),
  saved_cost_usd: f64(),
  /** What the original upstream call took minus what serving the hit took. */
  saved_latency_ms: f64(),
  lookup_ms: f64(),
  stream: col(Type.Boolean(), 'Bool'),
});

export type CacheFill = Static<typeof CacheFill>;
export type CacheEvent = Static<typeof CacheEvent>;

const fillCheck = TypeCompiler.Compile(CacheFill);

export function validateCacheFill(value: unknown): { ok: true; value: CacheFill } | { ok: false; reason: string } {
  if (fillCheck.Check(value)) return { ok: true, value };
  const first = fillCheck.Errors(value).First();
  return { ok: false, reason: first ? `${first.path}: ${first.message}` : 'invalid cache_fill' };
}
