// Virtual-key lookup by hash for the auth stage: the in-memory cache first, then Redis (one request per hash in
// flight). While Redis fails, keys verified before stay valid from the cache (last-known-good) and Redis is skipped
// briefly, so a hung server does not add its timeout to every request.
import { logger } from '../../lib/logger.ts';
import type { AuthSettings } from '../../schemas/config/auth.ts';
import { KeyCache } from './key-cache.ts';
import type { KeyRecord } from '../../core/keys/key-record.ts';
import type { KeyStore } from '../../core/keys/key-store.ts';

export interface KeyLookup {
  /** The stored record for a hash: cache, then Redis; 'unavailable' when neither can answer. */
  find(hash: string): Promise<KeyRecord | undefined | 'unavailable'>;
  /** Drops a key from this process's cache (all keys when no hash is given). */
  forget(hash?: string): void;
}

export interface KeyLookupDeps {
  store: KeyStore | undefined;
  settings: Pick<AuthSettings, 'cache_ttl_seconds' | 'cache_stale_seconds' | 'cache_max_entries' | 'negative_cache_seconds' | 'redis_timeout_ms'>;
  now: () => number;
  /** A key was found in Redis (auth `auto` mode: keys exist). */
  onFound(): void;
}

export function createKeyLookup(deps: KeyLookupDeps): KeyLookup {
  const { store, settings, now } = deps;
  const cache = new KeyCache<KeyRecord>({
    ttlMs: settings.cache_ttl_seconds * 1000,
    staleMs: settings.cache_stale_seconds * 1000,
    maxEntries: settings.cache_max_entries,
    negativeTtlMs: settings.negative_cache_seconds * 1000,
    now,
  });
  const inflight = new Map<string, Promise<KeyRecord | undefined>>();
  /** After a failed Redis call, skip Redis briefly so a hung server does not add its timeout to every request. */
  let redisSkipUntil = 0;
  let lastOutageLog = 0;

  function noteOutage(err: unknown) {
    redisSkipUntil = now() + 1_000;
    if (now() - lastOutageLog > 30_000) {
      lastOutageLog = now();
      logger.warn({ err: (err as Error).message }, 'auth: key store unreachable; serving verified keys from the in-memory cache');
    }
  }

  return {
    async find(hash) {
      const hit = cache.get(hash);
      if (hit?.fresh) return hit.value;
      if (!hit && cache.isKnownMissing(hash)) return undefined;
      if (!store) return undefined;
      if (now() < redisSkipUntil) return hit ? hit.value : 'unavailable';
      let pending = inflight.get(hash);
      if (!pending) {
        pending = store.lookup(hash, settings.redis_timeout_ms).finally(() => inflight.delete(hash));
        inflight.set(hash, pending);
      }
      try {
        const record = await pending;
        if (record) {
          cache.set(hash, record);
          deps.onFound();
        } else {
          cache.setMissing(hash);
        }
        return record;
      } catch (err) {
        noteOutage(err);
        return hit ? hit.value : 'unavailable'; // last-known-good
      }
    },
    forget(hash) {
      if (hash) cache.delete(hash);
      else cache.clear();
    },
  };
}
