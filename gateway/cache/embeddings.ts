// The embedding workers behind semantic lookups: started with the cache when semantic caching is on (unless the
// caller brings a pool), watched until the model has loaded, and closed with the cache when the cache started them.
import { logger } from '../../lib/logger.ts';
import { createEmbeddingPool, type EmbeddingPool } from '../../lib/embedding-pool.ts';
import type { CacheSettings } from '../../schemas/config/cache.ts';

export type SemanticStatus = 'off' | 'loading' | 'ready' | 'failed';

export interface CacheEmbeddings {
  /** Undefined when semantic caching is off. */
  readonly pool: EmbeddingPool | undefined;
  status(): SemanticStatus;
  /** Resolves once the workers have loaded the model, or failed to. Never rejects. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** `given`: the caller's pool; by default one of `settings.embedding_workers` threads. */
export function startCacheEmbeddings(settings: CacheSettings, given: EmbeddingPool | undefined): CacheEmbeddings {
  const semanticOn = settings.enabled && settings.semantic_enabled;
  const own = semanticOn && !given ? createEmbeddingPool({ workers: settings.embedding_workers }) : undefined;
  const pool = semanticOn ? (given ?? own) : undefined;
  // Until the model is loaded a lookup would only queue and time out (each request waiting embed_timeout_ms, then
  // missing and storing an exact entry that shadows the semantic one): lookups ask `status()` and skip until then.
  let state: 'loading' | 'ready' | 'failed' = 'loading';
  pool?.ready().then(
    () => (state = 'ready'),
    (err: unknown) => {
      state = 'failed';
      logger.warn({ err: (err as Error).message }, 'semantic cache: embedding workers failed to start; semantic lookups miss');
    },
  );
  return {
    pool,
    status: () => (pool ? state : 'off'),
    ready: () => (pool ? pool.ready().catch(() => undefined) : Promise.resolve()),
    async close() {
      await own?.close();
    },
  };
}
