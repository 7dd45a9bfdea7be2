// The semantic cache's storage contract, shared by the gateway (lookups, admin) and the cache-builder (writes):
// one RedisJSON document per entry at `<prefix>entry:<id>` (written with redis-om), and a RediSearch index over
// those documents created with FT.CREATE — HNSW, COSINE, DIM 384 on `$.embedding` (redis-om 0.4.7 has no vector
// type) plus TAG fields for namespace, model and the parameters hash that every KNN query filters on.
//
// On a Redis Cluster, RediSearch (Redis Stack's OSS build, no coordinator) indexes and searches only the keys of the
// node the index lives on, and that node is the one owning the index name's slot. So there the index is split into
// CLUSTER_INDEX_SHARDS shards: `<index>:{t}` over `<prefix>{t}:entry:<id>`, one hash tag `t` per shard, so a
// shard's index and its entries share a slot. A namespace and model always map to the same shard: a lookup (which
// filters on both) searches one shard on one node, and the shards' slots are spread evenly over the slot range, so
// the masters share the entries and the searches. On a single Redis there is one index as configured.
import { Schema } from 'redis-om';
import { EMBEDDING_DIM } from '../../lib/embedder.ts';
import { callOnKeyNode, slotOf, slotTag, type RedisClient } from '../../lib/redis.ts';

export interface SemanticEntry {
  id: string;
  namespace: string;
  model: string;
  params_hash: string;
  prompt: string;
  created_ms: number;
  expires_ms: number;
  upstream_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** The provider's chat.completion. Not indexed. */
  response: Record<string, unknown>;
  /** Unit-length MiniLM vector (indexed by FT.CREATE, not by redis-om). */
  embedding: number[];
}

/** Sends one raw Redis command: ioredis `(...a) => redis.call(...a)` or node-redis `(...a) => client.sendCommand(a)`. */
export type RedisCall = (...args: Array<string | Buffer>) => Promise<unknown>;

export const entryKeyPrefix = (prefix: string) => `${prefix}entry:`;

/** Index shards on a Redis Cluster (a namespace and model's entries live in one; see the top of this file). */
export const CLUSTER_INDEX_SHARDS = 16;

/** One index and the entries it covers (at entryKeyPrefix(prefix)). */
export interface SemanticShard {
  index: string;
  prefix: string;
}

/** The shards of the configured index and prefix: itself on a single Redis, CLUSTER_INDEX_SHARDS on a cluster. */
export function semanticShards(index: string, prefix: string, cluster: boolean): SemanticShard[] {
  if (!cluster) return [{ index, prefix }];
  return Array.from({ length: CLUSTER_INDEX_SHARDS }, (_, k) => {
    const tag = slotTag(Math.floor(((k + 0.5) * 16384) / CLUSTER_INDEX_SHARDS));
    const shard = { index: `${index}:{${tag}}`, prefix: `${prefix}{${tag}}:` };
    if (slotOf(shard.index) !== slotOf(entryKeyPrefix(shard.prefix))) {
      throw new Error('semantic_cache.redis_index and redis_prefix must not contain "{" on a Redis Cluster: the index would land on another node than its entries');
    }
    return shard;
  });
}

/** The shard holding the entries of a namespace and model. */
export function shardFor(shards: readonly SemanticShard[], namespace: string, model: string): SemanticShard {
  return shards.length === 1 ? shards[0]! : shards[slotOf(`${namespace}\n${model}`) % shards.length]!;
}

/** The redis-om schema of an entry document (its own index is never created: FT.CREATE below is the index). */
export function entrySchema(prefix: string): Schema {
  return new Schema(
    `${prefix}entry`,
    {
      namespace: { type: 'string' },
      model: { type: 'string' },
      params_hash: { type: 'string' },
      prompt: { type: 'text' },
      created_ms: { type: 'number' },
      expires_ms: { type: 'number' },
      upstream_ms: { type: 'number' },
      prompt_tokens: { type: 'number' },
      completion_tokens: { type: 'number' },
    },
    { dataStructure: 'JSON' },
  );
}

export function createIndexCommand(index: string, prefix: string): string[] {
  return [
    'FT.CREATE', index, 'ON', 'JSON', 'PREFIX', '1', entryKeyPrefix(prefix), 'SCHEMA',
    '$.namespace', 'AS', 'namespace', 'TAG',
    '$.model', 'AS', 'model', 'TAG',
    '$.params_hash', 'AS', 'params', 'TAG',
    '$.created_ms', 'AS', 'created', 'NUMERIC',
    '$.embedding', 'AS', 'vector', 'VECTOR', 'HNSW', '6', 'TYPE', 'FLOAT32', 'DIM', String(EMBEDDING_DIM), 'DISTANCE_METRIC', 'COSINE',
  ];
}

/** Redis answered that the index does not exist (never created, or Redis came back empty). */
export const isMissingIndexError = (err: unknown) => /unknown index|no such index/i.test(String((err as Error).message));

/** Creates the index unless it exists (idempotent; several processes may race). */
export async function ensureSemanticIndex(call: RedisCall, index: string, prefix: string): Promise<void> {
  try {
    await call('FT.INFO', index);
    return;
  } catch (err) {
    if (!isMissingIndexError(err)) throw err;
  }
  try {
    await call(...createIndexCommand(index, prefix));
  } catch (err) {
    if (!/already exists/i.test(String((err as Error).message))) throw err;
  }
}

/** Creates every shard's index unless it exists, each on the node that owns its slot. */
export async function ensureSemanticIndexes(redis: RedisClient, shards: readonly SemanticShard[]): Promise<void> {
  await Promise.all(shards.map((s) => ensureSemanticIndex((command, ...args) => callOnKeyNode(redis, s.index, String(command), ...args), s.index, s.prefix)));
}

/** TAG values are matched literally once every non-word character is escaped. */
export const escapeTag = (value: string) => value.replace(/[^\p{L}\p{N}_]/gu, '\\$&');

export function tagFilter(filter: { namespace?: string; model?: string; paramsHash?: string }): string {
  const parts: string[] = [];
  if (filter.namespace !== undefined) parts.push(`@namespace:{${escapeTag(filter.namespace)}}`);
  if (filter.model !== undefined) parts.push(`@model:{${escapeTag(filter.model)}}`);
  if (filter.paramsHash !== undefined) parts.push(`@params:{${escapeTag(filter.paramsHash)}}`);
  return parts.length ? parts.join(' ') : '*';
}

export const vectorBlob = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** FT.SEARCH's RESP2 reply ([total, key, [field, value, …], …]) as key → fields. */
export function parseSearchReply(reply: unknown): { total: number; docs: Array<{ key: string; fields: Record<string, string> }> } {
  const arr = Array.isArray(reply) ? reply : [];
  const docs: Array<{ key: string; fields: Record<string, string> }> = [];
  for (let i = 1; i < arr.length; i += 2) {
    const raw = Array.isArray(arr[i + 1]) ? (arr[i + 1] as unknown[]) : [];
    const fields: Record<string, string> = {};
    for (let j = 0; j + 1 < raw.length; j += 2) fields[String(raw[j])] = String(raw[j + 1]);
    docs.push({ key: String(arr[i]), fields });
  }
  return { total: Number(arr[0] ?? 0), docs };
}
