// Every Redis client Helix opens comes from here, so HELIX_REDIS_URL means the same everywhere: one URL is a single
// Redis; several, comma-separated (seed nodes: some or all of a cluster's masters), a Redis Cluster. ioredis serves the
// gateway, consumers and CLI; node-redis serves redis-om (the key store, the semantic cache writer). Also the few
// cluster-aware helpers the stores need: which node owns a key, the masters, keys grouped by slot.
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { createClient, createCluster } from 'redis';

/** An ioredis client: a single Redis or a Redis Cluster (the same command API). */
export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  urls: string[];
  cluster: boolean;
}

/** `redis://a:6379` → one node; `redis://a:7000,redis://b:7001` (or `a:7000,b:7001`) → cluster seed nodes. */
export function parseRedisUrl(value: string): RedisTarget {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map((u) => (u.includes('://') ? u : `redis://${u}`));
  if (urls.length === 0) throw new Error('Redis URL is empty (HELIX_REDIS_URL)');
  return { urls, cluster: urls.length > 1 };
}

/** Host, port and credentials of a seed node; the credentials and TLS apply to every node of the cluster. */
function seedNode(url: string): { host: string; port: number; username?: string; password?: string; tls: boolean } {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

/** `new Redis(url, options)`, or a `Cluster` over the listed nodes with the same options for every node. */
export function createRedis(url: string, options: RedisOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  if (!target.cluster) return new Redis(target.urls[0]!, options);
  const seeds = target.urls.map(seedNode);
  const { enableOfflineQueue, lazyConnect, retryStrategy, ...nodeOptions } = options;
  const first = seeds[0]!;
  return new Cluster(
    seeds.map(({ host, port }) => ({ host, port })),
    {
      lazyConnect,
      enableOfflineQueue,
      ...(retryStrategy !== undefined ? { clusterRetryStrategy: retryStrategy } : {}),
      redisOptions: {
        ...nodeOptions,
        ...(first.username ? { username: first.username } : {}),
        ...(first.password ? { password: first.password } : {}),
        ...(first.tls ? { tls: {} } : {}),
      },
    },
  );
}

export interface NodeRedisOptions {
  disableOfflineQueue?: boolean;
  connectTimeoutMs?: number;
  reconnectStrategy?: (retries: number) => number;
}

/** A node-redis client (or cluster) as redis-om takes it; not yet connected. */
export function createNodeRedis(url: string, options: NodeRedisOptions = {}) {
  const target = parseRedisUrl(url);
  const defaults = {
    ...(options.disableOfflineQueue !== undefined ? { disableOfflineQueue: options.disableOfflineQueue } : {}),
    socket: {
      ...(options.connectTimeoutMs !== undefined ? { connectTimeout: options.connectTimeoutMs } : {}),
      ...(options.reconnectStrategy ? { reconnectStrategy: options.reconnectStrategy } : {}),
    },
  };
  if (!target.cluster) return createClient({ url: target.urls[0], ...defaults });
  return createCluster({ rootNodes: target.urls.map((u) => ({ url: u })), defaults });
}

export type NodeRedisClient = ReturnType<typeof createNodeRedis>;

/** The node-redis cluster behind a connection, or undefined for a single Redis. */
export function nodeRedisCluster(client: unknown): ReturnType<typeof createCluster> | undefined {
  return typeof (client as { getSlotMaster?: unknown }).getSlotMaster === 'function' ? (client as ReturnType<typeof createCluster>) : undefined;
}

/** node-redis: a raw command, on a cluster sent to the node that owns `key`'s slot. */
export function sendNodeRedisCommand(client: NodeRedisClient, key: string, args: string[]): Promise<unknown> {
  const cluster = nodeRedisCluster(client);
  return cluster ? cluster.sendCommand(key, false, args) : (client as ReturnType<typeof createClient>).sendCommand(args);
}

/** node-redis: the client of the node that owns `key`'s slot (the connection itself when it is a single Redis). */
export async function nodeRedisForKey<C>(client: C, key: string): Promise<C> {
  const cluster = nodeRedisCluster(client);
  if (!cluster) return client;
  return (await cluster.nodeClient(cluster.getSlotMaster(calculateSlot(key)))) as C;
}

export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster;

/** The masters (the client itself when it is a single Redis): per-node commands such as SCAN go to each. */
export function masters(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/** The masters once the client knows them (a cluster client learns them when it is ready: a PING waits for that). */
export async function readyMasters(redis: RedisClient): Promise<Redis[]> {
  if (isCluster(redis) && redis.status !== 'ready') await redis.ping();
  return masters(redis);
}

/** The connection to the master that owns `key`'s slot, per the client's slot map; the cluster itself if unknown. */
export function nodeForKey(redis: RedisClient, key: string): RedisClient {
  if (!isCluster(redis)) return redis;
  const owner = redis.slots[calculateSlot(key)]?.[0];
  return redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner) ?? redis;
}

const isRedirect = (err: unknown) => /^(MOVED|ASK) /.test(String((err as Error | undefined)?.message));

/**
 * A command ioredis cannot route by itself (module commands such as FT.SEARCH or JSON.GET: it does not know where
 * their key is) sent straight to the node owning `key`'s slot. After a resharding the node answers MOVED: then the
 * cluster client sends it, follows the redirect and refreshes its slot map.
 */
export async function callOnKeyNode(redis: RedisClient, key: string, command: string, ...args: Array<string | Buffer>): Promise<unknown> {
  const node = nodeForKey(redis, key);
  try {
    return await node.call(command, ...args);
  } catch (err) {
    if (node === redis || !isRedirect(err)) throw err;
    return redis.call(command, ...args);
  }
}

/** Items grouped by the slot of their key (one group for a single Redis), in their original order within a group. */
export function groupBySlot<T>(redis: RedisClient, items: readonly T[], keyOf: (item: T) => string): T[][] {
  if (!isCluster(redis)) return items.length > 0 ? [[...items]] : [];
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const slot = calculateSlot(keyOf(item));
    const group = groups.get(slot);
    if (group) group.push(item);
    else groups.set(slot, [item]);
  }
  return [...groups.values()];
}

/** Every key matching a SCAN pattern, on every master. */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of await readyMasters(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}

/** UNLINKs keys in batches (one slot per command on a cluster, 64 commands in flight); returns how many existed. */
export async function unlinkKeys(redis: RedisClient, keys: readonly string[]): Promise<number> {
  const batches = groupBySlot(redis, keys, (k) => k).flatMap((group) => Array.from({ length: Math.ceil(group.length / 500) }, (_, i) => group.slice(i * 500, (i + 1) * 500)));
  let deleted = 0;
  for (let i = 0; i < batches.length; i += 64) {
    for (const n of await Promise.all(batches.slice(i, i + 64).map((batch) => redis.unlink(...batch)))) deleted += n;
  }
  return deleted;
}

/** The cluster slot of a key (its hash tag's, if it has one). */
export const slotOf = (key: string): number => calculateSlot(key);

let tagsBySlot: string[] | undefined;

/** A short hash tag that lands in `slot`: `{<tag>}` in a key name places a key of one's own next to a slot's keys. */
export function slotTag(slot: number): string {
  if (!tagsBySlot) {
    // The shortest decimal numbers cover all 16384 slots within a few hundred thousand tries (once per process).
    const table = new Array<string>(16384);
    let left = table.length;
    for (let i = 0; left > 0; i++) {
      const s = slotOf(String(i));
      if (table[s] === undefined) {
        table[s] = String(i);
        left--;
      }
    }
    tagsBySlot = table;
  }
  return tagsBySlot[slot]!;
}

/** GET of every key, in order: one pipelined round trip (on a cluster one pipeline per slot, in parallel). */
export async function getAll(redis: RedisClient, keys: readonly string[]): Promise<Array<string | null>> {
  const values: Array<string | null> = keys.map(() => null);
  const calls = groupBySlot(
    redis,
    keys.map((key, index) => ({ key, index })),
    (k) => k.key,
  );
  await Promise.all(
    calls.map(async (call) => {
      const pipeline = redis.pipeline();
      for (const { key } of call) pipeline.get(key);
      const results = await pipeline.exec();
      if (!results) throw new Error('no reply');
      call.forEach(({ index }, j) => {
        const [err, value] = results[j] ?? [new Error('no reply'), null];
        if (err) throw err;
        values[index] = value as string | null;
      });
    }),
  );
  return values;
}

/** A second connection for SUBSCRIBE (a subscribed connection takes no other commands): connects at once, queues
 *  commands while disconnected and re-subscribes after reconnects. */
export function subscriberFor(redis: RedisClient): RedisClient {
  if (!isCluster(redis)) return redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
  return redis.duplicate([], { enableOfflineQueue: true, lazyConnect: false, redisOptions: { ...redis.options.redisOptions, maxRetriesPerRequest: null } });
}
