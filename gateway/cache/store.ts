// Storing a fresh upstream answer: the exact entry is written without delaying the response, and the fill the
// cache-builder turns into a semantic entry is published. Only complete answers are stored; streams once they ended.
import { logger } from '../../lib/logger.ts';
import type { CacheSettings } from '../../schemas/config/cache.ts';
import type { CacheFill } from '../../schemas/events/cache.ts';
import type { ChatCompletion, ChatCompletionChunk } from '../../core/llm.ts';
import type { RequestTrace } from '../pipeline/trace.ts';
import { fillEvent } from './cache-events.ts';
import type { ExactCache, StoredAnswer } from './exact.ts';
import type { CachePlan } from './plan.ts';
import type { RedisGuard } from './redis-guard.ts';
import { StreamCollector } from './replay.ts';
import type { StatsCounters } from './stats-counters.ts';

export interface CacheStoreDeps {
  settings: CacheSettings;
  guard: RedisGuard;
  exact: ExactCache;
  counters: StatsCounters;
  /** Without it no semantic entries are built. */
  publishFill?: ((fill: CacheFill) => void) | undefined;
}

/** Never waits, never throws. */
export type StoreAnswer = (plan: CachePlan | undefined, completion: ChatCompletion, trace: RequestTrace) => void;

/** A stream being collected for the cache: every upstream chunk to `add`, `finish` after the last one. */
export interface StreamStore {
  add(chunk: ChatCompletionChunk): void;
  finish(trace: RequestTrace): void;
}

/** Finished answers only: every choice stopped (or called tools, unless tool calls are skipped). */
function cacheable(completion: ChatCompletion, skipToolCalls: boolean): boolean {
  if (completion.choices.length === 0) return false;
  return completion.choices.every((c) => {
    const calls = (c.message.tool_calls?.length ?? 0) > 0;
    if (calls && skipToolCalls) return false;
    return c.finish_reason === 'stop' || (c.finish_reason === 'tool_calls' && !skipToolCalls);
  });
}

export function createCacheStore(deps: CacheStoreDeps): StoreAnswer {
  const { settings, guard, exact, counters } = deps;
  return (p, completion, trace) => {
    if (!p?.store || !cacheable(completion, settings.skip.tool_calls)) return;
    const answer: StoredAnswer = { id: p.hash, completion, upstream_ms: Math.round(trace.upstreamMs * 1000) / 1000, created_ms: Date.now() };
    if (settings.exact_enabled && guard.available()) {
      exact.set(p.namespace, p.model, p.hash, answer, p.ttlSeconds).catch((err: unknown) => logger.debug({ err: (err as Error).message }, 'exact cache write failed'));
    }
    counters.add('stores');
    if (p.prompt === undefined || !deps.publishFill) return;
    deps.publishFill(fillEvent(trace, p, p.prompt, completion, answer.upstream_ms));
  };
}

/** Collects a stream and stores it when it finished; undefined when the plan does not store. */
export function streamStore(plan: CachePlan | undefined, store: StoreAnswer): StreamStore | undefined {
  if (!plan?.store) return undefined;
  const collector = new StreamCollector();
  return {
    add: (chunk) => collector.add(chunk),
    finish: (trace) => store(plan, collector.completion(), trace),
  };
}
