// Turns cache fills into semantic entries: Redis (redis-om), the semantic index, the local embedding model and the
// sink that writes them. The cache-builder group and `helix replay cache` both consume through one.
import { Repository, type RedisConnection } from 'redis-om';
import type { HelixConfig } from '../../lib/config.ts';
import { createNodeRedis, nodeRedisCluster, sendNodeRedisCommand, type NodeRedisClient } from '../../lib/redis.ts';
import { createEmbedder, type Embedder } from '../../lib/embedder.ts';
import type { Sink } from '../../lib/consume/sink.ts';
import { cacheSettingsFromConfig, type CacheSettings } from '../../schemas/config/cache.ts';
import type { CacheFill } from '../../schemas/events/cache.ts';
import { ensureSemanticIndex, entrySchema, semanticShards, shardFor, type SemanticShard } from './semantic-index.ts';
import { fillSink } from './fill-sink.ts';

export interface FillWriterOptions {
  redisUrl?: string | undefined;
  settings?: CacheSettings | undefined;
  /** Default: the local model in this process (a consumer may block its own event loop while embedding a batch). */
  embedder?: Pick<Embedder, 'embed' | 'ready'> | undefined;
}

export interface FillWriter {
  sink: Sink<CacheFill>;
  close(): Promise<void>;
}

/** The repository of each shard's entries, by namespace and model (node-redis routes each write to its node). */
export function entryRepositories(client: NodeRedisClient, shards: SemanticShard[]): (namespace: string, model: string) => Repository {
  const repositories = new Map(shards.map((s) => [s, new Repository(entrySchema(s.prefix), client as unknown as RedisConnection)]));
  return (namespace, model) => repositories.get(shardFor(shards, namespace, model))!;
}

export async function openFillWriter(config: HelixConfig, opts: FillWriterOptions = {}): Promise<FillWriter> {
  const settings = opts.settings ?? cacheSettingsFromConfig(config.helix_settings);
  const client = createNodeRedis(opts.redisUrl ?? config.env.redisUrl);
  client.on('error', () => undefined); // the consume loop retries writes while Redis is away
  await client.connect();
  const shards = semanticShards(settings.redis_index, settings.redis_prefix, nodeRedisCluster(client) !== undefined);
  await Promise.all(shards.map((s) => ensureSemanticIndex((...args) => sendNodeRedisCommand(client, s.index, args.map(String)), s.index, s.prefix)));
  const embedder = opts.embedder ?? createEmbedder();
  await embedder.ready();
  return {
    sink: fillSink({ repository: entryRepositories(client, shards), embedder }),
    async close() {
      await client.quit().catch(() => undefined);
    },
  };
}
