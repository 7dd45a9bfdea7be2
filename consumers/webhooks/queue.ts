// Webhook deliveries waiting or retrying, in Redis so any webhook process can make the next attempt and a restart
// loses nothing: a hash per delivery (the anomaly, the endpoint, attempts so far, state) and a sorted set of
// delivery ids by due time. A worker claims due deliveries by pushing their due time one lease ahead: if it dies
// mid-attempt, the delivery comes due again when the lease ends (at-least-once; receivers dedupe on the id).
import type { RedisClient as Redis } from '../../lib/redis.ts';

export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface Delivery {
  id: string;
  /** The anomaly event as JSON. */
  anomaly: string;
  endpoint: string;
  attempts: number;
  state: DeliveryState;
  lastError: string;
}

const ENQUEUE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'anomaly', ARGV[2], 'endpoint', ARGV[3], 'attempts', 0, 'state', 'pending', 'last_error', '')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
`;

const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local leased = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], leased, id) end
return ids
`;

type Script<R> = (numKeys: number, ...keysThenArgs: string[]) => Promise<R>;

export class DeliveryQueue {
  private readonly enqueueScript: Script<number>;
  private readonly claimScript: Script<string[]>;
  private readonly due: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** How long a finished delivery is remembered (so a redelivered anomaly is not sent again). */
    private readonly keepMs: number,
  ) {
    // One hash tag for the queue: a delivery's hash and the schedule change together (script, MULTI), so on a Redis
    // Cluster they must share a slot.
    this.due = `${prefix}{queue}:due`;
    redis.defineCommand('helixWebhookEnqueue', { lua: ENQUEUE });
    redis.defineCommand('helixWebhookClaim', { lua: CLAIM });
    const commands = redis as unknown as { helixWebhookEnqueue: Script<number>; helixWebhookClaim: Script<string[]> };
    this.enqueueScript = (...args) => commands.helixWebhookEnqueue(...args);
    this.claimScript = (...args) => commands.helixWebhookClaim(...args);
  }

  private key(id: string): string {
    return `${this.prefix}{queue}:delivery:${id}`;
  }

  /** Adds a delivery unless it exists already (redelivered anomaly). True if added. */
  async enqueue(id: string, anomaly: string, endpoint: string, dueMs: number): Promise<boolean> {
    return (await this.enqueueScript(2, this.key(id), this.due, id, anomaly, endpoint, String(dueMs), String(this.keepMs))) === 1;
  }

  /** Claims up to `limit` due deliveries for `leaseMs`. */
  async claim(nowMs: number, leaseMs: number, limit: number): Promise<Delivery[]> {
    const ids = await this.claimScript(1, this.due, String(nowMs), String(leaseMs), String(limit));
    const out: Delivery[] = [];
    for (const id of ids) {
      const h = await this.redis.hgetall(this.key(id));
      // Expired or finished elsewhere: drop it from the schedule.
      if (!h.anomaly || h.state !== 'pending') {
        await this.redis.zrem(this.due, id);
        continue;
      }
      out.push({ id, anomaly: h.anomaly, endpoint: h.endpoint ?? '', attempts: Number(h.attempts ?? 0), state: 'pending', lastError: h.last_error ?? '' });
    }
    return out;
  }

  async retryAt(id: string, attempts: number, dueMs: number, lastError: string): Promise<void> {
    await this.redis.multi().hset(this.key(id), 'attempts', attempts, 'last_error', lastError).zadd(this.due, dueMs, id).exec();
  }

  async finish(id: string, state: Exclude<DeliveryState, 'pending'>, attempts: number, lastError: string): Promise<void> {
    await this.redis.multi().hset(this.key(id), 'state', state, 'attempts', attempts, 'last_error', lastError).zrem(this.due, id).exec();
  }

  async pending(): Promise<number> {
    return this.redis.zcard(this.due);
  }
}
