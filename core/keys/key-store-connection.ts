// The key store's own node-redis connection (redis-om needs node-redis; the rest of Helix uses ioredis): opened
// without waiting for Redis, connection errors logged at most every 30 s, closed without hanging on a dead server.
// A Redis Cluster (several URLs, lib/redis.ts) gets a node-redis cluster client.
import type { RedisConnection } from 'redis-om';
import { logger } from '../../lib/logger.ts';
import { createNodeRedis, nodeRedisCluster } from '../../lib/redis.ts';
import { withTimeout } from './key-store-error.ts';

export interface OpenedConnection {
  client: RedisConnection;
  /** Settles on the first connection attempt's outcome (ready or error). */
  firstAttempt: Promise<void>;
}

type ClusterClient = NonNullable<ReturnType<typeof nodeRedisCluster>>;

const CLUSTER_RETRY_MS = 2_000;
const clusterRetries = new WeakMap<object, NodeJS.Timeout>();

/**
 * Connects a cluster client, which (unlike a single-node client) does not retry a failed first connect by itself:
 * tries again every 2 s until it is open or closed. Resolves after the first attempt; `onOpen` runs once it is open.
 */
export function connectCluster(cluster: ClusterClient, onOpen?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      cluster.connect().then(
        () => {
          resolve();
          onOpen?.();
        },
        () => {
          resolve();
          clusterRetries.set(cluster, setTimeout(attempt, CLUSTER_RETRY_MS).unref());
        },
      );
    };
    attempt();
  });
}

/** Commands fail fast while Redis is unreachable; the client reconnects in the background. */
export function openConnection(url: string): OpenedConnection {
  const client = createNodeRedis(url, {
    disableOfflineQueue: true,
    connectTimeoutMs: 2_000,
    reconnectStrategy: (retries: number) => Math.min(50 + retries * 100, 2_000),
  });
  let lastLog = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      logger.warn({ err: err.message }, 'key store: redis connection error (retrying)');
    }
  });
  const cluster = nodeRedisCluster(client);
  if (cluster) return { client: client as unknown as RedisConnection, firstAttempt: connectCluster(cluster) };
  const firstAttempt = new Promise<void>((resolve) => {
    client.once('ready', () => resolve());
    client.once('error', () => resolve());
  });
  client.connect().catch(() => undefined);
  return { client: client as unknown as RedisConnection, firstAttempt };
}

/** Quits gracefully when connected, else just drops the socket (nothing to flush while Redis is away). */
export async function closeConnection(c: RedisConnection | undefined): Promise<void> {
  if (!c) return;
  clearTimeout(clusterRetries.get(c));
  const cluster = nodeRedisCluster(c);
  const connected = cluster ? cluster.isOpen : (c as unknown as { isReady: boolean }).isReady;
  if (!connected) {
    if (!cluster) await c.disconnect().catch(() => undefined);
    return;
  }
  try {
    await withTimeout<unknown>(c.quit(), 1_000, 'quit');
  } catch {
    await c.disconnect().catch(() => undefined);
  }
}
