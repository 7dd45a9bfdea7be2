// The response cache as the chat route uses it. Before the provider: `begin` plans the request (plan.ts) and looks
// it up, exact then semantic (lookup.ts); on a hit `answer` serves it (serve-hit.ts) and the provider is never called.
// After a successful upstream answer: `store` (or a `collector` for streams) writes the exact entry and publishes
// the fill (store.ts). Nothing here throws into the request: Redis down or slow means `x-helix-cache: bypass`,
// embedding trouble a miss.
import type { ServerResponse } from 'node:http';
import type { RedisClient as Redis } from '../../lib/redis.ts';
import type { EmbeddingPool } from '../../lib/embedding-pool.ts';
import { cacheSettings, type CacheSettings } from '../../schemas/config/cache.ts';
import type { CacheEvent, CacheFill } from '../../schemas/events/cache.ts';
import type { ChatCompletion, ChatRequest } from '../../core/llm.ts';
import { statsKey } from '../../core/cache/keys.ts';
import { now, type RequestTrace } from '../pipeline/trace.ts';
import { hitEvent, type CostOf } from './cache-events.ts';
import { withoutCacheField } from './directives.ts';
import { startCacheEmbeddings, type SemanticStatus } from './embeddings.ts';
import { ExactCache } from './exact.ts';
import { createCacheLookup, type CacheHit, type CacheStatus } from './lookup.ts';
import { planRequest, type CachePlan, type PlanInput } from './plan.ts';
import { RedisGuard } from './redis-guard.ts';
import { serveHit } from './serve-hit.ts';
import { StatsCounters } from './stats-counters.ts';
import { createCacheStore, streamStore, type StreamStore } from './store.ts';
import type { KnownWord } from './vocabulary.ts';

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
  costOf?: CostOf;
}

/** What `begin` decided for one request. */
export interface CacheRequest {
  /** The body to send upstream: LiteLLM's `cache` field removed. */
  body: ChatRequest;
  /** `off` = cache disabled (no header). */
  status: CacheStatus | 'off';
  hit: CacheHit | undefined;
  plan: CachePlan | undefined;
  /** When the lookup started (performance.now()): a hit's event says how long serving it took from there. */
  lookupStartedAt?: number;
}

export interface BeginInput extends PlanInput {
  /** When given, `x-helix-cache: miss | bypass` is set on it (merged into the streaming or JSON head). */
  res?: ServerResponse;
}

export interface ChatCache {
  readonly settings: CacheSettings;
  /** Resolves once the embedding workers have loaded the model (lookups before that are exact-only misses). Never rejects. */
  ready(): Promise<void>;
  /** For /health/ready: whether semantic lookups run yet. */
  semanticStatus(): SemanticStatus;
  begin(input: BeginInput): Promise<CacheRequest>;
  /**
   * The answer for a hit, as a fresh completion: sets the x-helix-cache headers on `res` (merged into whatever head
   * the route writes — JSON, OpenAI SSE or Anthropic SSE), fills trace.cache / finishReason, publishes the cache event.
   */
  answer(req: CacheRequest, res: ServerResponse, trace: RequestTrace): ChatCompletion;
  /** After a successful non-streaming upstream answer. Never waits, never throws. */
  store(req: CacheRequest, completion: ChatCompletion, trace: RequestTrace): void;
  /** For streams: feed every upstream chunk to `add`, call `finish` after the last one (stream completed). */
  collector(req: CacheRequest): StreamStore | undefined;
  /** Writes the hit/miss counters now (they are otherwise written once a second): before reading `cache stats`. */
  flushStats(): Promise<void>;
  close(): Promise<void>;
}

export function createChatCache(deps: ChatCacheDeps): ChatCache {
  const settings = deps.settings ?? cacheSettings();
  const guard = new RedisGuard(deps.redis, settings.redis_timeout_ms);
  const exact = new ExactCache(guard, settings.redis_prefix);
  const embeddings = startCacheEmbeddings(settings, deps.embeddings);
  const lookup = createCacheLookup({ settings, guard, exact, embeddings, knownWord: deps.knownWord });
  // Best-effort counters for `helix cache stats`: never trip the guard, never awaited, written in batches.
  const counters = new StatsCounters(deps.redis, statsKey(settings.redis_prefix), () => guard.available());
  const store = createCacheStore({ settings, guard, exact, counters, publishFill: deps.publishFill });

  return {
    settings,

    ready: () => embeddings.ready(),

    semanticStatus: () => embeddings.status(),

    async begin(input) {
      const body = withoutCacheField(input.body);
      const p = planRequest(settings, input, body, embeddings.pool !== undefined);
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
      return { body, status, hit, plan: p, lookupStartedAt: started };
    },

    answer(req, res, trace) {
      const { hit, plan: p } = req;
      if (!hit || !p) throw new Error('cache.answer called without a hit');
      const lookupMs = now() - (req.lookupStartedAt ?? now());
      const completion = serveHit(hit, res, trace);
      deps.publishEvent?.(hitEvent(trace, p, hit, lookupMs, deps.costOf));
      return completion;
    },

    store: (req, completion, trace) => store(req.plan, completion, trace),

    collector: (req) => streamStore(req.plan, store),

    flushStats: () => counters.flush(),

    async close() {
      await counters.close();
      await embeddings.close();
    },
  };
}
