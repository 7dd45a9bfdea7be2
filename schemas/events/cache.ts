// Cache messages. `cache_fill` (topic helix.cache.fill): one per cacheable completion — what the provider saw
// (after PII handling) and answered; the cache-builder group turns it into a semantic entry, and `helix replay
// cache` rebuilds the index from it. `cache` (topic helix.cache → ClickHouse `cache`): one per hit, with what it saved.
// Same conventions as schemas/events.ts: the versioned envelope and a `ch` ClickHouse column type per field.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { bool, envelope, eventHead, f64, lc, str, typeTag, u32, usd } from '../columns.ts';
import { attribution } from './attribution.ts';

export const CacheFill = Type.Object({
  event_id: envelope.event_id,
  type: Type.Literal('cache_fill'),
  schema_version: envelope.schema_version,
  ts: envelope.ts,
  request_id: envelope.request_id,
  key_id: envelope.key_id,
  team_id: envelope.team_id,
  /** Absent in fills written before it was added (replays read them). */
  user_id: Type.Optional(envelope.user_id),
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
  ...eventHead(typeTag('cache')),
  model: lc(),
  namespace: str(),
  /** exact | semantic */
  hit: lc(),
  entry_id: str(),
  similarity: f64(),
  saved_prompt_tokens: u32(),
  saved_completion_tokens: u32(),
  saved_cost_usd: usd(),
  /** What the original upstream call took minus what serving the hit took. */
  saved_latency_ms: f64(),
  lookup_ms: f64(),
  stream: bool(),
  ...attribution,
});

export type CacheFill = Static<typeof CacheFill>;
export type CacheEvent = Static<typeof CacheEvent>;

const fillCheck = TypeCompiler.Compile(CacheFill);

export function validateCacheFill(value: unknown): { ok: true; value: CacheFill } | { ok: false; reason: string } {
  if (fillCheck.Check(value)) return { ok: true, value };
  const first = fillCheck.Errors(value).First();
  return { ok: false, reason: first ? `${first.path}: ${first.message}` : 'invalid cache_fill' };
}
