// The key store's own node-redis connection (redis-om needs node-redis; the rest of Helix uses ioredis): opened
// without waiting for Redis, connection errors logged at most every 30 s, closed without hanging on a dead server.
import { createClient } from 'redis';
import type { RedisConnection } from 'redis-om';
import { logger } from '../../lib/logger.ts';
import { withTimeout } from './key-store-error.ts';

export interface OpenedConnection {
  client: RedisConnection;
  /** Settles on the first connection attempt's outcome (ready or error). */
  firstAttempt: Promise<void>;
}

/** Commands fail fast while Redis is unreachable; the client reconnects in the background. */
export function openConnection(url: string): OpenedConnection {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(50 + retries * 100, 2_000) },
  });
  let lastLog = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      logger.warn({ err: err.message }, 'key store: redis connection error (retrying)');
    }
  });
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
  if (!(c as unknown as { isReady: boolean }).isReady) {
    await c.disconnect().catch(() => undefined);
    return;
  }
  try {
    await withTimeout<unknown>(c.quit(), 1_000, 'quit');
  } catch {
    await c.disconnect().catch(() => undefined);
  }
}
