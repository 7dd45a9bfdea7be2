// The lookup plan for one request: whether the cache applies at all (settings, the key's metadata, the skip rules,
// the request's directives) and, when it does, the namespace, keys, prompt, threshold and TTL that lookup and store use.
import type { IncomingHttpHeaders } from 'node:http';
import type { CacheSettings } from '../../schemas/config/cache.ts';
import type { RequestTrace } from '../pipeline/trace.ts';
import type { ChatRequest } from '../../core/llm.ts';
import { canonicalRequest, exactKeyHash, lastUserPrompt, namespaceFor, paramsHash, type Canonical } from './canonical.ts';
import { parseDirectives } from './directives.ts';

export interface CachePlan {
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

export interface PlanInput {
  headers: IncomingHttpHeaders;
  body: ChatRequest;
  trace: RequestTrace;
  /** The caller's key metadata: `{"cache": false}` turns the cache off, `cache_similarity_threshold` overrides. */
  keyMetadata?: Record<string, unknown>;
}

/**
 * `body` is the request without its `cache` field (the directives are read from `input.body`); `semantic` says
 * whether semantic lookups exist at all. `off` = cache disabled, `bypass` = skipped for this request.
 */
export function planRequest(settings: CacheSettings, input: PlanInput, body: ChatRequest, semantic: boolean): CachePlan | 'off' | 'bypass' {
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
  let params: string | undefined;
  return {
    namespace,
    model: body.model,
    canonical,
    hash: exactKeyHash(namespace, canonical),
    // Hashed when read (semantic lookups and stores): an exact hit never needs it.
    get paramsHash() {
      return (params ??= paramsHash(canonical));
    },
    prompt: prompt !== undefined && prompt.length <= settings.semantic_max_prompt_chars ? prompt : undefined,
    threshold: typeof keyThreshold === 'number' ? keyThreshold : (settings.model_thresholds[body.model] ?? settings.similarity_threshold),
    ttlSeconds: Math.min(directives.ttlSeconds ?? settings.ttl_seconds, settings.max_ttl_seconds),
    lookup: !directives.noCache,
    store: !directives.noStore,
  };
}
