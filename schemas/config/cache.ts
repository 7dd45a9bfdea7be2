// `helix_settings.semantic_cache`: the response cache (exact and semantic). One TypeBox schema gives the TypeScript
// type, the validator and the defaults. The first four fields use the seed's vocabulary.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Similarity = Type.Number({ minimum: 0, maximum: 1 });

export const CacheSkipRules = Type.Object(
  {
    /** Requests with a higher temperature are neither looked up nor stored (sampled answers are not repeatable). */
    max_temperature: Type.Number({ minimum: 0, default: 1 }),
    /** Answers that call tools are not stored (they depend on the caller's tool results that follow). */
    tool_calls: Type.Boolean({ default: true }),
    /** Key ids (`key_…`, `master`) with the cache off. A key can also turn it off with metadata `{"cache": false}`. */
    keys: Type.Array(Type.String(), { default: [] }),
    /** Team ids with the cache off. */
    teams: Type.Array(Type.String(), { default: [] }),
  },
  { additionalProperties: false, default: {} },
);

export const CacheSettings = Type.Object(
  {
    /** The whole cache (exact and semantic). Off: no lookups, no stores, no `x-helix-cache` header. */
    enabled: Type.Boolean({ default: true }),
    /** Chosen with the verifier on the dev pairs (bench/cache-eval.ts): a candidate this close goes to the verifier. */
    similarity_threshold: Type.Number({ minimum: 0, maximum: 1, default: 0.7 }),
    embedding_model: Type.Literal('all-MiniLM-L6-v2', { default: 'all-MiniLM-L6-v2' }),
    redis_index: Type.String({ minLength: 1, default: 'helix:semantic:index' }),
    /** Key prefix: exact entries `<prefix>exact:…`, semantic entries `<prefix>entry:<id>`. */
    redis_prefix: Type.String({ minLength: 1, default: 'helix:cache:' }),
    exact_enabled: Type.Boolean({ default: true }),
    semantic_enabled: Type.Boolean({ default: true }),
    /** Default lifetime of an entry; a request may ask for another with `x-helix-cache-ttl` (capped by max_ttl_seconds). */
    ttl_seconds: Type.Integer({ minimum: 1, default: 86_400 }),
    max_ttl_seconds: Type.Integer({ minimum: 1, default: 7 * 86_400 }),
    /** Per-model similarity thresholds (model name as the client sends it). A key's metadata `cache_similarity_threshold` wins over both. */
    model_thresholds: Type.Record(Type.String(), Similarity, { default: {} }),
    /** Check every semantic candidate for differing numbers, entities, negations, … before serving it (see docs/cache.md). */
    verify: Type.Boolean({ default: true }),
    /** All callers share this namespace. Unset (default): one namespace per team, per key for keys without a team. */
    shared_namespace: Type.Optional(Type.String({ minLength: 1 })),
    skip: CacheSkipRules,
    /** Longer prompts are cached exactly only: the embedding model reads the first ~256 tokens. */
    semantic_max_prompt_chars: Type.Integer({ minimum: 1, default: 2_000 }),
    /** Nearest neighbours checked per lookup (the verifier may reject the first). */
    candidates: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
    /** A cache command slower than this counts as "Redis unavailable": the request goes on uncached. */
    redis_timeout_ms: Type.Integer({ minimum: 1, default: 250 }),
    /** Embedding the query may take this long before the lookup is given up (a miss). */
    embed_timeout_ms: Type.Integer({ minimum: 1, default: 1000 }),
    /** Worker threads embedding queries in the gateway (each loads the model once). */
    embedding_workers: Type.Integer({ minimum: 1, maximum: 2, default: 1 }),
  },
  { additionalProperties: false, default: {} },
);

export type CacheSkipRules = Static<typeof CacheSkipRules>;
export type CacheSettings = Static<typeof CacheSettings>;
export type CacheSettingsInput = Partial<Omit<CacheSettings, 'skip'>> & { skip?: Partial<CacheSkipRules> };

/** Defaults filled in (for tests and configs without the section). */
export function cacheSettings(partial: CacheSettingsInput = {}): CacheSettings {
  return Value.Default(CacheSettings, Value.Clone(partial ?? {})) as CacheSettings;
}

/** `helix_settings.semantic_cache` validated, defaults filled in; throws a readable error. */
export function cacheSettingsFromConfig(helixSettings: Record<string, unknown>): CacheSettings {
  const settings = cacheSettings((helixSettings.semantic_cache ?? {}) as Partial<CacheSettings>);
  const errors = [...Value.Errors(CacheSettings, settings)].slice(0, 5);
  if (errors.length) throw new Error(`invalid helix_settings.semantic_cache: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  return settings;
}
