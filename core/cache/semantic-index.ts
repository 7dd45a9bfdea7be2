// The semantic cache's storage contract, shared by the gateway (lookups, admin) and the cache-builder (writes):
// one RedisJSON document per entry at `<prefix>entry:<id>` (written with redis-om), and a RediSearch index over
// those documents created with FT.CREATE — HNSW, COSINE, DIM 384 on `$.embedding` (redis-om 0.4.7 has no vector
// type) plus TAG fields for namespace, model and the parameters hash that every KNN query filters on.
import { Schema } from 'redis-om';
import { EMBEDDING_DIM } from '../../lib/embedder.ts';

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
