// Exact, then semantic lookup for one plan. A failed exact read means Redis trouble: bypass. Anything failing on the
// semantic side is a miss (a bypass once Redis went away). The semantic index is (re)created here when missing.
import { logger } from '../../lib/logger.ts';
import type { CacheSettings } from '../../schemas/config/cache.ts';
import { ensureSemanticIndexes, isMissingIndexError, semanticShards } from '../../core/cache/semantic-index.ts';
import { isCluster } from '../../lib/redis.ts';
import type { CacheEmbeddings } from './embeddings.ts';
import type { ExactCache, StoredAnswer } from './exact.ts';
import type { CachePlan } from './plan.ts';
import type { RedisGuard } from './redis-guard.ts';
import { SemanticCache } from './semantic.ts';
import { modelVocabulary, type KnownWord } from './vocabulary.ts';
import { loadThesaurus } from './thesaurus.ts';

export type CacheStatus = 'miss' | 'exact' | 'semantic' | 'bypass';

export interface CacheHit {
  kind: 'exact' | 'semantic';
  answer: StoredAnswer;
  similarity: number;
}

export interface LookupResult {
  status: CacheStatus;
  hit?: CacheHit;
}

export interface CacheLookupDeps {
  settings: CacheSettings;
  guard: RedisGuard;
  exact: ExactCache;
  embeddings: CacheEmbeddings;
  /** Default: the embedding model's vocabulary. */
  knownWord?: KnownWord | undefined;
}

const INDEX_RETRY_MS = 30_000;

export function createCacheLookup(deps: CacheLookupDeps): (plan: CachePlan) => Promise<LookupResult> {
  const { settings, guard, exact, embeddings } = deps;
  const semantic = embeddings.pool
    ? new SemanticCache({
        guard,
        embeddings: embeddings.pool,
        index: settings.redis_index,
        prefix: settings.redis_prefix,
        candidates: settings.candidates,
        embedTimeoutMs: settings.embed_timeout_ms,
        verify: settings.verify,
        verifyOptions: { knownWord: deps.knownWord ?? modelVocabulary() },
      })
    : undefined;
  // The verifier's WordNet is read once the model is up (lookups wait for the model anyway), not on the first
  // lookup that needs it.
  if (semantic && settings.verify && embeddings.pool) void embeddings.pool.ready().then(loadThesaurus, () => undefined);
  let indexCheckedAt = -Infinity;

  /** The index is created by the cache-builder; the gateway creates it too so lookups work before the first fill. */
  async function ensureIndexOccasionally(): Promise<void> {
    if (Date.now() - indexCheckedAt < INDEX_RETRY_MS) return;
    indexCheckedAt = Date.now();
    await guard.run('ensure index', (r) => ensureSemanticIndexes(r, semanticShards(settings.redis_index, settings.redis_prefix, isCluster(r))), 1_000);
  }

  return async (p) => {
    if (!p.lookup || !guard.available()) return { status: 'bypass' };
    try {
      const answer = settings.exact_enabled ? await exact.get(p.namespace, p.model, p.hash) : undefined;
      if (answer) return { status: 'exact', hit: { kind: 'exact', answer, similarity: 1 } };
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'exact cache lookup failed; bypassing');
      return { status: 'bypass' };
    }
    if (!semantic || embeddings.status() !== 'ready' || p.prompt === undefined) return { status: 'miss' };
    try {
      await ensureIndexOccasionally();
      const hit = await semantic.lookup({ namespace: p.namespace, model: p.model, paramsHash: p.paramsHash, prompt: p.prompt, threshold: p.threshold });
      if (hit) return { status: 'semantic', hit: { kind: 'semantic', answer: hit, similarity: hit.similarity } };
    } catch (err) {
      if (isMissingIndexError(err)) indexCheckedAt = -Infinity; // Redis came back empty: recreate now
      logger.debug({ err: (err as Error).message }, 'semantic cache lookup failed; treating as a miss');
    }
    return { status: guard.available() ? 'miss' : 'bypass' };
  };
}
