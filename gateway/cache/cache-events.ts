// The cache's two events: a hit (topic `cache`, on to ClickHouse) and a fill (topic `cacheFill`, which the
// cache-builder turns into a semantic entry).
import type { CacheEvent, CacheFill } from '../../schemas/events/cache.ts';
import { newEvent } from '../../core/events/envelope.ts';
import type { ChatCompletion, Usage } from '../../core/llm.ts';
import { subjectOf } from '../pipeline/events.ts';
import { now, type RequestTrace } from '../pipeline/trace.ts';
import type { CacheHit } from './lookup.ts';
import type { CachePlan } from './plan.ts';

/** USD cost of a usage on a model (for `saved_cost_usd`). */
export type CostOf = (model: string, usage: Usage) => number;

/** What a hit saved: the upstream call's tokens, cost (0 without `costOf`) and time. */
export function hitEvent(trace: RequestTrace, plan: CachePlan, hit: CacheHit, lookupMs: number, costOf: CostOf | undefined): CacheEvent {
  const usage = hit.answer.completion.usage;
  const servedMs = now() - trace.startedAt;
  return newEvent<CacheEvent>('cache', subjectOf(trace), {
    model: plan.model,
    namespace: plan.namespace,
    hit: hit.kind,
    entry_id: hit.answer.id,
    similarity: Math.round(hit.similarity * 10_000) / 10_000,
    saved_prompt_tokens: usage?.prompt_tokens ?? 0,
    saved_completion_tokens: usage?.completion_tokens ?? 0,
    saved_cost_usd: usage && costOf ? costOf(plan.model, usage) : 0,
    saved_latency_ms: Math.max(0, Math.round((hit.answer.upstream_ms - servedMs) * 1000) / 1000),
    lookup_ms: Math.round(lookupMs * 1000) / 1000,
    stream: trace.stream,
    end_user: trace.endUser,
    tags: trace.tags,
  });
}

/** A stored answer for the cache-builder: the plan's keys, the prompt it embeds, the request and the answer, the TTL. */
export function fillEvent(trace: RequestTrace, plan: CachePlan, prompt: string, completion: ChatCompletion, upstreamMs: number): CacheFill {
  return newEvent<CacheFill>('cache_fill', subjectOf(trace), {
    namespace: plan.namespace,
    model: plan.model,
    params_hash: plan.paramsHash,
    exact_key: plan.hash,
    prompt,
    request: plan.canonical,
    response: completion as unknown as Record<string, unknown>,
    ttl_seconds: plan.ttlSeconds,
    expires_at: new Date(Date.now() + plan.ttlSeconds * 1000).toISOString(),
    upstream_ms: upstreamMs,
    prompt_tokens: completion.usage?.prompt_tokens ?? 0,
    completion_tokens: completion.usage?.completion_tokens ?? 0,
  });
}
