// Per-request cache instructions: `Cache-Control: no-cache` (skip the lookup, still store), `no-store` (don't
// store), `x-helix-cache-ttl: <seconds>`, and LiteLLM's body form `"cache": {"no-cache": true, "no-store": true,
// "ttl": 600}`. The body field is removed here: providers never see it.
import type { IncomingHttpHeaders } from 'node:http';

export interface CacheDirectives {
  noCache: boolean;
  noStore: boolean;
  /** Requested lifetime in seconds (validated, not yet capped). */
  ttlSeconds?: number;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : v);

function parseTtl(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function parseDirectives(headers: IncomingHttpHeaders, bodyCache: unknown): CacheDirectives {
  const control = (first(headers['cache-control']) ?? '').toLowerCase().split(',').map((s) => s.trim());
  const body = bodyCache !== null && typeof bodyCache === 'object' ? (bodyCache as Record<string, unknown>) : {};
  const ttlSeconds = parseTtl(first(headers['x-helix-cache-ttl'])) ?? parseTtl(body.ttl);
  return {
    noCache: control.includes('no-cache') || body['no-cache'] === true,
    noStore: control.includes('no-store') || body['no-store'] === true,
    ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
  };
}

/** The body without LiteLLM's `cache` field (a shallow copy; the original is left alone). */
export function withoutCacheField<T extends Record<string, unknown>>(body: T): T {
  if (!('cache' in body)) return body;
  const { cache: _cache, ...rest } = body;
  return rest as T;
}
