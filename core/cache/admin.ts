// Cache administration: invalidate by entry id, namespace or model (exact and semantic entries alike), and stats.
// Used by the gateway's admin routes and by `helix cache`.
import type { Redis } from 'ioredis';
import type { CacheSettings } from '../../schemas/config/cache.ts';
import { exactKeyPattern, statsKey } from './keys.ts';
import { entryKeyPrefix, isMissingIndexError, parseSearchReply, tagFilter } from './semantic-index.ts';

export interface InvalidateTarget {
  entryId?: string;
  namespace?: string;
  model?: string;
}

export interface CacheStats {
  exact_entries: number;
  semantic_entries: number;
  index: string;
  counters: Record<string, number>;
}

async function unlinkAll(redis: Redis, keys: string[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 500) deleted += await redis.unlink(...keys.slice(i, i + 500));
  return deleted;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

async function semanticKeys(redis: Redis, settings: CacheSettings, filter: { namespace?: string; model?: string }): Promise<string[]> {
  const keys: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    let reply: unknown;
    try {
      reply = await redis.call('FT.SEARCH', settings.redis_index, tagFilter(filter), 'NOCONTENT', 'LIMIT', String(offset), '1000', 'DIALECT', '2');
    } catch (err) {
      if (isMissingIndexError(err)) return keys;
      throw err;
    }
    const arr = Array.isArray(reply) ? reply.slice(1).map(String) : [];
    keys.push(...arr);
    if (arr.length < 1000) return keys;
  }
}

/** Deletes the matching entries; a target needs at least one of entryId, namespace, model (namespace + model = both). */
export async function invalidateCache(redis: Redis, settings: CacheSettings, target: InvalidateTarget): Promise<{ deleted: number }> {
  const prefix = settings.redis_prefix;
  if (target.entryId) {
    const keys = [`${entryKeyPrefix(prefix)}${target.entryId}`, ...(await scanKeys(redis, exactKeyPattern(prefix, { hash: target.entryId })))];
    return { deleted: await unlinkAll(redis, keys) };
  }
  if (target.namespace === undefined && target.model === undefined) throw new Error('invalidate needs an entry id, a namespace or a model');
  const filter = { namespace: target.namespace, model: target.model };
  const keys = [...(await scanKeys(redis, exactKeyPattern(prefix, filter))), ...(await semanticKeys(redis, settings, filter))];
  return { deleted: await unlinkAll(redis, keys) };
}

export async function cacheStats(redis: Redis, settings: CacheSettings): Promise<CacheStats> {
  const exact = await scanKeys(redis, exactKeyPattern(settings.redis_prefix, {}));
  let semantic = 0;
  try {
    semantic = parseSearchReply(await redis.call('FT.SEARCH', settings.redis_index, '*', 'LIMIT', '0', '0')).total;
  } catch (err) {
    if (!isMissingIndexError(err)) throw err;
  }
  const raw = await redis.hgetall(statsKey(settings.redis_prefix));
  const counters = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  return { exact_entries: exact.length, semantic_entries: semantic, index: settings.redis_index, counters };
}

