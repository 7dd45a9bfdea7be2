// What /health/ready reports about the services behind the gateway. Cached briefly so probes stay cheap.
import type { RedisClient as Redis } from '../lib/redis.ts';
import type { EventBus } from '../lib/event-bus.ts';
import type { AnalyticsReader } from '../clickhouse/reader.ts';
import type { ComponentHealth, HealthProbe } from './routes/health.ts';
import type { ChatCache } from './cache/chat-cache.ts';

const CACHE_HEALTH = { off: 'disabled', loading: 'degraded', ready: 'up', failed: 'degraded' } as const;

export function gatewayHealth(deps: { events: EventBus; redis: Redis; analytics: AnalyticsReader; shuttingDown: () => boolean; cache?: ChatCache }): HealthProbe {
  let cached: { at: number; value: Record<string, ComponentHealth> } | undefined;
  return {
    shuttingDown: deps.shuttingDown,
    async components() {
      if (cached && Date.now() - cached.at < 1_000) return cached.value;
      const bus = deps.events.stats();
      const analyticsUp = await deps.analytics.ping(300);
      const value: Record<string, ComponentHealth> = {
        // Not accepting: the spool is near its cap or not writable while Kafka is away (docs/events.md).
        kafka: {
          status: !bus.accepting ? 'down' : bus.connected ? 'up' : 'degraded',
          queued: bus.queued,
          spooled: bus.spooled,
          delivered: bus.delivered,
          accepting: bus.accepting,
          spool_bytes: bus.spoolBytes,
          spool_max_bytes: bus.spoolMaxBytes,
          spool_write_failures: bus.spoolWriteFailures,
          wal_write_failures: bus.walWriteFailures,
          dropped: bus.dropped,
        },
        redis: { status: deps.redis.status === 'ready' ? 'up' : 'down' },
        analytics: { status: analyticsUp ? 'up' : 'down' },
      };
      // Semantic hits need the embedding model loaded; until then only exact hits (the gateway still serves).
      const semantic = deps.cache?.semanticStatus();
      if (semantic) value.cache = { status: CACHE_HEALTH[semantic], semantic };
      cached = { at: Date.now(), value };
      return value;
    },
  };
}
