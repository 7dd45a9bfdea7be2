// The response cache as the chat route uses it. Before the provider: `begin` (directives, namespace, key; exact
// lookup, then semantic) → on a hit `serve` answers (JSON, or an SSE replay for stream: true) and the provider is
// never called. After a successful upstream answer: `store` (or a `collector` for streams) writes the exact entry
// without delaying the response and publishes the fill that the cache-builder turns into a semantic entry.
// Nothing here throws into the request: Redis down or slow means `x-helix-cache: bypass`, embedding trouble a miss.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { logger } from '../../lib/logger.ts';
import { createEmbeddingPool, type EmbeddingPool } from '../../lib/embedding-pool.ts';
import { cacheSettings, type CacheSettings } from '../../schemas/config/cache.ts';
import { CACHE_SCHEMA_VERSION, type CacheEvent, type CacheFill } from '../../schemas/events/cache.ts';
import { now, type RequestTrace } from '../pipeline/trace.ts';
import type { ChatCompletion, ChatRequest, Usage } from '../../core/llm.ts';
import { canonicalRequest, exactKeyHash, lastUserPrompt, namespaceFor, paramsHash, type Canonical } from './canonical.ts';
import { parseDirectives, withoutCacheField } from './directives.ts';
import { ExactCache, type StoredAnswer } from './exact.ts';
import { RedisGuard } from './redis-guard.ts';
import { StatsCounters } from './stats-counters.ts';
import { StreamCollector } from './replay.ts';
import { SemanticCache } from './semantic.ts';
import { ensureSemanticIndex } from '../../core/cache/semantic-index.ts';
import { modelVocabulary, type KnownWord } from './vocabulary.ts';

export type CacheStatus = 'miss' | 'exact' | 'semantic' | 'bypass';

export interface ChatCacheDeps {
  /** ioredis with `enableOfflineQueue: false` (gateway/main.ts's client): commands fail fast while disconnected. */
  redis: Redis;
  settings?: CacheSettings;
  /** Publishes a fill on topic `cacheFill`, keyed by namespace. Without it no semantic entries are built. */
  publishFill?: (fill: CacheFill) => void;
  /** Publishes a hit on topic `cache` (→ ClickHouse). */
  publishEvent?: (event: CacheEvent) => void;
  /** Default: a pool of `settings.embedding_workers` threads, started when semantic caching is on. */
  embeddings?: EmbeddingPool;
  knownWord?: KnownWord;
  /** USD cost of a usage on a model (for `saved_cost_usd`); default 0. */
  costOf?: (model: string, usage: Usage) => number;
}

interface Plan {
  namespace: string;
  model: string;
  canonical: Canonical;
  hash: string;
  paramsHash: string;
  /** The text the semantic cache compares; undefined = exact only. */
  prompt: string | undefined;
  threshold: number;
  ttlSeconds: number;
  lookup: boolean;
  store: boolean;
}

interface Hit {
  kind: 'exact' | 'semantic';
  answer: StoredAnswer;
  similarity: number;
}

/** What `begin` decided for one request. */
export interface CacheRequest {
  /** The body to send upstream: LiteLLM's `cache` field removed. */
  body: ChatRequest;
  /** `off` = cache disabled (no header). */
  status: CacheStatus | 'off';
  hit: Hit | undefined;
  plan: Plan | undefined;
}

export interface BeginInput {
  headers: IncomingHttpHeaders;
  body: ChatRequest;
  trace: RequestTrace;
  /** The caller's key metadata: `{"cache": false}` turns the cache off, `cache_similarity_threshold` overrides. */
  keyMetadata?: Record<string, unknown>;
  /** When given, `x-helix-cache: miss | bypass` is set on it (merged into the streaming or JSON head). */
  res?: ServerResponse;
}

export interface ChatCache {
  readonly settings: CacheSettings;
  /** Resolves once the embedding workers have loaded the model (lookups before that are exact-only misses). Never rejects. */
  ready(): Promise<void>;
  /** For /health/ready: whether semantic lookups run yet. */
  semanticStatus(): 'off' | 'loading' | 'ready' | 'failed';
  begin(input: BeginInput): Promise<CacheRequest>;
  /**
   * The answer for a hit, as a fresh completion: sets the x-helix-cache headers on `res` (merged into whatever head
   * the route writes — JSON, OpenAI SSE or Anthropic SSE), fills trace.cache / finishReason, publishes the cache event.
   */
  answer(req: CacheRequest, res: ServerResponse, trace: RequestTrace): ChatCompletion;
  /** After a successful non-streaming upstream answer. Never waits, never throws. */
  store(req: CacheRequest, completion: ChatCompletion, trace: RequestTrace): void;
  /** For streams: feed every upstream chunk to `add`, call `finish` after the last one (stream completed). */
  collector(req: CacheRequest): { add(chunk: Parameters<StreamCollector['add']>[0]): void; finish(trace: RequestTrace): void } | undefined;
  /** Writes the hit/miss counters now (they are otherwise written once a second): before reading `cache stats`. */
  flushStats(): Promise<void>;
  close(): Promise<void>;
}

const INDEX_RETRY_MS = 30_000;

export function createChatCache(deps: ChatCacheDeps): ChatCache {
  const settings = deps.settings ?? cacheSettings();
  const guard = new RedisGuard(deps.redis, settings.redis_timeout_ms);
  const exact = new ExactCache(guard, settings.redis_prefix);
  const semanticOn = settings.enabled && settings.semantic_enabled;
  const ownPool = semanticOn && !deps.embeddings ? createEmbeddingPool({ workers: settings.embedding_workers }) : undefined;
  const embeddings = semanticOn ? (deps.embeddings ?? ownPool) : undefined;
  // Until the model is loaded a lookup would only queue and time out (each request waiting embed_timeout_ms, then
  // missing and storing an exact entry that shadows the semantic one): skip semantic lookups until then.
  let semanticState: 'loading' | 'ready' | 'failed' = 'loading';
  embeddings?.ready().then(
    () => (semanticState = 'ready'),
    (err: unknown) => {
      semanticState = 'failed';
      logger.warn({ err: (err as Error).message }, 'semantic cache: embedding workers failed to start; semantic lookups miss');
    },
  );
  const semantic = embeddings
    ? new SemanticCache({
        guard,
        embeddings,
        index: settings.redis_index,
        prefix: settings.redis_prefix,
        candidates: settings.candidates,
        embedTimeoutMs: settings.embed_timeout_ms,
        verify: settings.verify,
        verifyOptions: { knownWord: deps.knownWord ?? modelVocabulary() },
      })
    : undefined;
  let indexCheckedAt = -Infinity;
  const statsKey = `${settings.redis_prefix}stats`;

  // Best-effort counters for `helix cache stats`: never trip the guard, never awaited, written in batches.
  const counters = new StatsCounters(deps.redis, statsKey, () => guard.available());

  /** The index is created by the cache-builder; the gateway creates it too so lookups work before the first fill. */
  async function ensureIndexOccasionally(): Promise<void> {
    if (Date.now() - indexCheckedAt < INDEX_RETRY_MS) return;
    indexCheckedAt = Date.now();
    await guard.run('ensure index', (r) => ensureSemanticIndex((...a) => r.call(a[0] as string, ...a.slice(1)), settings.redis_index, settings.redis_prefix), 1_000);
  }

  function plan(input: BeginInput, body: ChatRequest): Plan | 'off' | 'bypass' {
    if (!settings.enabled) return 'off';
    const { trace, keyMetadata } = input;
    const skip = settings.skip;
    if (keyMetadata?.cache === false || skip.keys.includes(trace.keyId) || (trace.teamId && skip.teams.includes(trace.teamId))) return 'bypass';
    if ((body.temperature ?? 1) > skip.max_temperature) return 'bypass';
    const directives = parseDirectives(input.headers, input.body.cache);
    if (directives.noCache && directives.noStore) return 'bypass'; // neither looked up nor stored: no key to compute
    const namespace = namespaceFor(trace, settings.shared_namespace);
    const canonical = canonicalRequest(body);
    const prompt = semantic ? lastUserPrompt(body.messages) : undefined;
    const keyThreshold = keyMetadata?.cache_similarity_threshold;
    return {
      namespace,
      model: body.model,
      canonical,
      hash: exactKeyHash(namespace, canonical),
      paramsHash: paramsHash(canonical),
      prompt: prompt !== undefined && prompt.length <= settings.semantic_max_prompt_chars ? prompt : undefined,
      threshold: typeof keyThreshold === 'number' ? keyThreshold : (settings.model_thresholds[body.model] ?? settings.similarity_threshold),
      ttlSeconds: Math.min(directives.ttlSeconds ?? settings.ttl_seconds, settings.max_ttl_seconds),
      lookup: !directives.noCache,
      store: !directives.noStore,
    };
  }

  async function lookup(p: Plan): Promise<{ status: CacheStatus; hit?: Hit }> {
    if (!p.lookup || !guard.available()) return { status: 'bypass' };
    try {
      const answer = settings.exact_enabled ? await exact.get(p.namespace, p.model, p.hash) : undefined;
      if (answer) return { status: 'exact', hit: { kind: 'exact', answer, similarity: 1 } };
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'exact cache lookup failed; bypassing');
      return { status: 'bypass' };
    }
    if (!semantic || semanticState !== 'ready' || p.prompt === undefined) return { status: 'miss' };
    try {
      await ensureIndexOccasionally();
      const hit = await semantic.lookup({ namespace: p.namespace, model: p.model, paramsHash: p.paramsHash, prompt: p.prompt, threshold: p.threshold });
      if (hit) return { status: 'semantic', hit: { kind: 'semantic', answer: hit, similarity: hit.similarity } };
    } catch (err) {
      const message = (err as Error).message;
      if (/unknown index|no such index/i.test(message)) indexCheckedAt = -Infinity; // Redis came back empty: recreate now
      logger.debug({ err: message }, 'semantic cache lookup failed; treating as a miss');
    }
    return { status: guard.available() ? 'miss' : 'bypass' };
  }

  function cacheable(completion: ChatCompletion): boolean {
    if (completion.choices.length === 0) return false;
    return completion.choices.every((c) => {
      const calls = (c.message.tool_calls?.length ?? 0) > 0;
      if (calls && settings.skip.tool_calls) return false;
      return c.finish_reason === 'stop' || (c.finish_reason === 'tool_calls' && !settings.skip.tool_calls);
    });
  }

  function store(req: CacheRequest, completion: ChatCompletion, trace: RequestTrace): void {
    const p = req.plan;
    if (!p?.store || !cacheable(completion)) return;
    const answer: StoredAnswer = { id: p.hash, completion, upstream_ms: Math.round(trace.upstreamMs * 1000) / 1000, created_ms: Date.now() };
    if (settings.exact_enabled && guard.available()) {
      exact.set(p.namespace, p.model, p.hash, answer, p.ttlSeconds).catch((err: unknown) => logger.debug({ err: (err as Error).message }, 'exact cache write failed'));
    }
    counters.add('stores');
    if (p.prompt === undefined || !deps.publishFill) return;
    deps.publishFill({
      event_id: randomUUID(),
      type: 'cache_fill',
      schema_version: CACHE_SCHEMA_VERSION,
      ts: new Date().toISOString(),
      request_id: trace.requestId,
      key_id: trace.keyId,
      team_id: trace.teamId,
      namespace: p.namespace,
      model: p.model,
      params_hash: p.paramsHash,
      exact_key: p.hash,
      prompt: p.prompt,
      request: p.canonical,
      response: completion as unknown as Record<string, unknown>,
      ttl_seconds: p.ttlSeconds,
      expires_at: new Date(Date.now() + p.ttlSeconds * 1000).toISOString(),
      upstream_ms: answer.upstream_ms,
      prompt_tokens: completion.usage?.prompt_tokens ?? 0,
      completion_tokens: completion.usage?.completion_tokens ?? 0,
    });
  }

  function hitEvent(trace: RequestTrace, p: Plan, hit: Hit, lookupMs: number): CacheEvent {
    const usage = hit.answer.completion.usage;
    const servedMs = now() - trace.startedAt;
    return {
      event_id: randomUUID(),
      type: 'cache',
      schema_version: CACHE_SCHEMA_VERSION,
      ts: new Date().toISOString(),
      request_id: trace.requestId,
      key_id: trace.keyId,
      team_id: trace.teamId,
      user_id: trace.userId,
      model: p.model,
      namespace: p.namespace,
      hit: hit.kind,
      entry_id: hit.answer.id,
      similarity: Math.round(hit.similarity * 10_000) / 10_000,
      saved_prompt_tokens: usage?.prompt_tokens ?? 0,
      saved_completion_tokens: usage?.completion_tokens ?? 0,
      saved_cost_usd: usage && deps.costOf ? deps.costOf(p.model, usage) : 0,
      saved_latency_ms: Math.max(0, Math.round((hit.answer.upstream_ms - servedMs) * 1000) / 1000),
      lookup_ms: Math.round(lookupMs * 1000) / 1000,
      stream: trace.stream,
    };
  }

  const lookupStarted = new WeakMap<CacheRequest, number>();

  return {
    settings,

    ready: () => (embeddings ? embeddings.ready().catch(() => undefined) : Promise.resolve()),

    semanticStatus: () => (semantic ? semanticState : 'off'),

    async begin(input) {
      const body = withoutCacheField(input.body);
      const p = plan(input, body);
      if (p === 'off' || p === 'bypass') {
        if (p === 'bypass') {
          input.res?.setHeader('x-helix-cache', 'bypass');
          counters.add('bypassed');
        }
        return { body, status: p, hit: undefined, plan: undefined };
      }
      const started = now();
      const { status, hit } = await lookup(p);
      counters.add(status === 'exact' || status === 'semantic' ? `${status}_hits` : status === 'miss' ? 'misses' : 'bypassed');
      if (!hit) input.res?.setHeader('x-helix-cache', status);
      const req: CacheRequest = { body, status, hit, plan: p };
      lookupStarted.set(req, started);
      return req;
    },

    answer(req, res, trace) {
      const { hit, plan: p } = req;
      if (!hit || !p) throw new Error('cache.answer called without a hit');
      const lookupMs = now() - (lookupStarted.get(req) ?? now());
      const completion: ChatCompletion = { ...hit.answer.completion, id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000) };
      res.setHeader('x-helix-cache', hit.kind);
      if (hit.kind === 'semantic') {
        res.setHeader('x-helix-cache-similarity', hit.similarity.toFixed(4));
        res.setHeader('x-helix-cache-entry', hit.answer.id);
      }
      trace.cache = hit.kind;
      trace.usage = undefined; // no upstream tokens were used
      trace.finishReason = completion.choices[0]?.finish_reason ?? '';
      deps.publishEvent?.(hitEvent(trace, p, hit, lookupMs));
      return completion;
    },

    store,

    collector(req) {
      if (!req.plan?.store) return undefined;
      const collector = new StreamCollector();
      return {
        add: (chunk) => collector.add(chunk),
        finish: (trace) => store(req, collector.completion(), trace),
      };
    },

    flushStats: () => counters.flush(),

    async close() {
      await counters.close();
      await ownPool?.close();
    },
  };
}
