// The cache's admin routes, inside the admin plugin (routes/admin.ts: master key only).
import type { FastifyInstance } from 'fastify';
import type { RedisClient as Redis } from '../../lib/redis.ts';
import { GatewayError } from '../errors.ts';
import type { CacheSettings } from '../../schemas/config/cache.ts';
import { cacheStats, invalidateCache } from '../../core/cache/admin.ts';

export interface CacheAdminDeps {
  redis: Redis;
  settings: CacheSettings;
  /** This gateway's not yet written hit/miss counters, flushed before they are read (others' lag ≤ 1 s). */
  flushStats?: () => Promise<void>;
}

/** `POST /cache/invalidate` {entry_id | namespace | model} and `GET /cache/stats`. */
export function cacheAdminRoutes(app: FastifyInstance, deps: CacheAdminDeps): void {
  app.post('/cache/invalidate', async (request, reply) => {
    const body = (request.body ?? {}) as { entry_id?: unknown; namespace?: unknown; model?: unknown };
    const pick = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const target = { entryId: pick(body.entry_id), namespace: pick(body.namespace), model: pick(body.model) };
    if (!target.entryId && !target.namespace && !target.model) throw new GatewayError('invalid_request', 'Give entry_id, namespace or model.');
    return reply.send(await invalidateCache(deps.redis, deps.settings, target));
  });
  app.get('/cache/stats', async (_request, reply) => {
    await deps.flushStats?.();
    return reply.send(await cacheStats(deps.redis, deps.settings));
  });
}
