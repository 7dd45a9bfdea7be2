// Every cache command goes through here: bounded by a short timeout, and after a failure Redis is skipped for a
// moment, so a down or frozen Redis costs at most one timeout per cooldown — never a hung or failed request.
import type { RedisClient as Redis } from '../../lib/redis.ts';
import { setDeadline } from '../../lib/deadline.ts';

export class CacheUnavailableError extends Error {
  override name = 'CacheUnavailableError';
}

export class RedisGuard {
  private downUntil = 0;

  constructor(
    readonly redis: Redis,
    private readonly timeoutMs: number,
    private readonly cooldownMs = 1_000,
  ) {}

  /** False while Redis is disconnected or in the cooldown after a failure: callers bypass the cache. */
  available(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.downUntil;
  }

  async run<T>(what: string, op: (redis: Redis) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    if (!this.available()) throw new CacheUnavailableError(`cache: Redis unavailable (${what})`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // A stalled gateway must not declare a healthy Redis down (see setDeadline).
      timer = setDeadline(() => reject(new CacheUnavailableError(`cache: ${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([op(this.redis), timeout]);
    } catch (err) {
      if (!isQueryError(err)) this.downUntil = Date.now() + this.cooldownMs;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A command Redis answered with an error (e.g. unknown index): Redis itself is fine. */
function isQueryError(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'ReplyError';
}
