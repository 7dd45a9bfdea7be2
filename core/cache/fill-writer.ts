// Turns cache fills into semantic entries: Redis (redis-om), the semantic index, the local embedding model and the
// sink that writes them. The cache-builder group and `helix replay cache` both consume through one.
import { createClient } from 'redis';
import { Repository, type RedisConnection } from 'redis-om';
import type { HelixConfig } from '../../lib/config.ts';
import { createEmbedder, type Embedder } from '../../lib/embedder.ts';
import type { Sink } from '../../lib/consume/sink.ts';
import { cacheSettingsFromConfig, type CacheSettings } from '../../schemas/config/cache.ts';
import type { CacheFill } from '../../schemas/events/cache.ts';
import { ensureSemanticIndex, entrySchema } from './semantic-index.ts';
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

export async function openFillWriter(config: HelixConfig, opts: FillWriterOptions = {}): Promise<FillWriter> {
  const settings = opts.settings ?? cacheSettingsFromConfig(config.helix_settings);
  const client = createClient({ url: opts.redisUrl ?? config.env.redisUrl });
  client.on('error', () => undefined); // the consume loop retries writes while Redis is away
  await client.connect();
  await ensureSemanticIndex((...args) => client.sendCommand(args), settings.redis_index, settings.redis_prefix);
  const embedder = opts.embedder ?? createEmbedder();
  await embedder.ready();
  const repository = new Repository(entrySchema(settings.redis_prefix), client as unknown as RedisConnection);
  return {
    sink: fillSink({ repository, embedder }),
    async close() {
      await client.quit().catch(() => undefined);
    },
  };
}
