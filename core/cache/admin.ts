// Cache administration: invalidate by entry id, namespace or model (exact and semantic entries alike), and stats.
// Used by the gateway's admin routes and by `helix cache`.
import { callOnKeyNode, isCluster, scanKeys, unlinkKeys, type RedisClient as Redis } from '../../lib/redis.ts';
import type { CacheSettings } from '../../schemas/config/cache.ts';
import { exactKeyPattern, statsKey } from './keys.ts';
import { entryKeyPrefix, isMissingIndexError, parseSearchReply, semanticShards, tagFilter, type SemanticShard } from './semantic-index.ts';

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

const shardsOf = (redis: Redis, settings: CacheSettings) => semanticShards(settings.redis_index, settings.redis_prefix, isCluster(redis));

/** A search on one shard's index, run on its node; undefined when the index does not exist (yet). */
async function search(redis: Redis, shard: SemanticShard, ...args: string[]): Promise<unknown> {
  try {
    return await callOnKeyNode(redis, shard.index, 'FT.SEARCH', shard.index, ...args);
  } catch (err) {
    if (isMissingIndexError(err)) return undefined;
    throw err;
  }
}

async function semanticKeys(redis: Redis, settings: CacheSettings, filter: { namespace?: string; model?: string }): Promise<string[]> {
  const keys: string[] = [];
  for (const shard of shardsOf(redis, settings)) {
    for (let offset = 0; ; offset += 1000) {
      const reply = await search(redis, shard, tagFilter(filter), 'NOCONTENT', 'LIMIT', String(offset), '1000', 'DIALECT', '2');
      const batch = Array.isArray(reply) ? reply.slice(1).map(String) : [];
      keys.push(...batch);
      if (batch.length < 1000) break;
    }
  }
  return keys;
}

/** Deletes the matching entries; a target needs at least one of entryId, namespace, model (namespace + model = both). */
export async function invalidateCache(redis: Redis, settings: CacheSettings, target: InvalidateTarget): Promise<{ deleted: number }> {
  const prefix = settings.redis_prefix;
  if (target.entryId) {
    const semantic = shardsOf(redis, settings).map((shard) => `${entryKeyPrefix(shard.prefix)}${target.entryId}`);
    const keys = [...semantic, ...(await scanKeys(redis, exactKeyPattern(prefix, { hash: target.entryId })))];
    return { deleted: await unlinkKeys(redis, keys) };
  }
  if (target.namespace === undefined && target.model === undefined) throw new Error('invalidate needs an entry id, a namespace or a model');
  const filter = { namespace: target.namespace, model: target.model };
  const keys = [...(await scanKeys(redis, exactKeyPattern(prefix, filter))), ...(await semanticKeys(redis, settings, filter))];
  return { deleted: await unlinkKeys(redis, keys) };
}

export async function cacheStats(redis: Redis, settings: CacheSettings): Promise<CacheStats> {
  const exact = await scanKeys(redis, exactKeyPattern(settings.redis_prefix, {}));
  let semantic = 0;
  for (const shard of shardsOf(redis, settings)) semantic += parseSearchReply(await search(redis, shard, '*', 'LIMIT', '0', '0')).total;
  const raw = await redis.hgetall(statsKey(settings.redis_prefix));
  const counters = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  return { exact_entries: exact.length, semantic_entries: semantic, index: settings.redis_index, counters };
}

