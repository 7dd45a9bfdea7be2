// Cross-process cache invalidation of virtual keys over Redis pub/sub: a process that changes, rotates or deletes a
// key publishes its hash; every gateway's auth stage drops it from its cache at once.
import type { RedisConnection } from 'redis-om';
import { nodeRedisCluster, sendNodeRedisCommand, type NodeRedisClient } from '../../lib/redis.ts';
import { closeConnection, connectCluster } from './key-store-connection.ts';
import { withTimeout } from './key-store-error.ts';

export class KeyInvalidation {
  private subscriber: RedisConnection | undefined;

  constructor(
    private readonly client: RedisConnection,
    readonly channel: string,
  ) {}

  /** Best effort: a lost message is covered by the caches' TTL. Always through one node (on a cluster the channel's
   *  slot owner; it relays to the others), so a process's messages arrive in the order it sent them. */
  async publish(hash: string): Promise<void> {
    await sendNodeRedisCommand(this.client as unknown as NodeRedisClient, this.channel, ['PUBLISH', this.channel, hash]).catch(() => undefined);
  }

  /** Calls `onHash` whenever any process changes, rotates or deletes a key, so caches drop it at once. */
  async subscribe(onHash: (hash: string) => void): Promise<void> {
    if (this.subscriber) return;
    const sub = (this.client as unknown as { duplicate(): RedisConnection }).duplicate();
    sub.on('error', () => undefined);
    this.subscriber = sub;
    // Subscribes on the first 'ready' (also when Redis is only reachable later); node-redis re-subscribes by itself
    // after reconnects. Messages missed while disconnected are covered by the cache TTL.
    let subscribed = false;
    let first: (() => void) | undefined;
    const firstAttempt = new Promise<void>((resolve) => (first = resolve));
    const subscribe = () => {
      if (subscribed) return;
      sub.subscribe(this.channel, (message: string) => onHash(message)).then(
        () => {
          subscribed = true;
          first?.();
        },
        () => first?.(),
      );
    };
    // A cluster client has no 'ready' event; a PUBLISH on any node reaches subscribers on every node.
    const cluster = nodeRedisCluster(sub);
    if (cluster) void connectCluster(cluster, subscribe);
    else {
      sub.on('ready', subscribe);
      sub.connect().catch(() => undefined);
    }
    // Wait briefly for the subscription so a caller (and tests) can rely on it; never block start-up on Redis.
    await withTimeout(firstAttempt, 1_000, 'subscribe').catch(() => undefined);
  }

  async close(): Promise<void> {
    await closeConnection(this.subscriber);
    this.subscriber = undefined;
  }
}
