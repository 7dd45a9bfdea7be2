// Starts the cache-builder group: Redis (redis-om), the semantic index, the local embedding model, the consume loop.
import type { Kafka } from 'kafkajs';
import { createClient } from 'redis';
import { Repository, type RedisConnection } from 'redis-om';
import type { HelixConfig } from '../../lib/config.ts';
import { createEmbedder, type Embedder } from '../../lib/embedder.ts';
import type { CacheSettings } from '../../schemas/config/cache.ts';
import { cacheSettingsFromConfig } from '../../gateway/cache/index.ts';
import { ensureSemanticIndex, entrySchema } from '../../gateway/cache/semantic-index.ts';
import { runConsumer, type RunningConsumer } from '../runner.ts';
import { cacheBuilderSink } from './index.ts';

export const CACHE_BUILDER_GROUP = 'helix-cache-builder';

export interface CacheBuilderOptions {
  /** Default: helix-cache-builder. `helix replay cache` uses a fresh one to read the topic from offset 0. */
  groupId?: string;
  redisUrl?: string;
  settings?: CacheSettings;
  /** Default: the local model in this process (a consumer may block its own event loop while embedding a batch). */
  embedder?: Pick<Embedder, 'embed' | 'ready'>;
}

export interface RunningCacheBuilder extends RunningConsumer {
  name: string;
}

export async function startCacheBuilder(kafka: Kafka, config: HelixConfig, opts: CacheBuilderOptions = {}): Promise<RunningCacheBuilder> {
  const settings = opts.settings ?? cacheSettingsFromConfig(config.helix_settings);
  const client = createClient({ url: opts.redisUrl ?? config.env.redisUrl });
  client.on('error', () => undefined); // the consume loop retries writes while Redis is away
  await client.connect();
  await ensureSemanticIndex((...args) => client.sendCommand(args), settings.redis_index, settings.redis_prefix);
  const embedder = opts.embedder ?? createEmbedder();
  await embedder.ready();
  const repository = new Repository(entrySchema(settings.redis_prefix), client as unknown as RedisConnection);
  const consumer = await runConsumer({
    kafka,
    groupId: opts.groupId ?? CACHE_BUILDER_GROUP,
    topics: ['cacheFill'],
    topicPrefix: config.env.topicPrefix,
    sink: cacheBuilderSink({ repository, embedder }),
    miniBatch: 256,
    fromBeginning: true,
  });
  return {
    name: 'cache-builder',
    stats: consumer.stats,
    async stop() {
      await consumer.stop();
      await client.quit().catch(() => undefined);
    },
  };
}
