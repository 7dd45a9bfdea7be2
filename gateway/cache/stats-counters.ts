// Hit/miss counters for `helix cache stats`, added up in memory and written to the Redis hash once a second.
// One HINCRBY per request was a Redis write of its own on every request (the lookup's write cannot carry it: the
// outcome is known only after the reply); batched, a busy gateway sends a handful of commands a second instead.
// Best-effort by design: what a crashed process had not flushed (≤ 1 s) is lost; the counters are informational.
import type { RedisClient as Redis } from '../../lib/redis.ts';

export class StatsCounters {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    /** False while Redis is down: counts wait (a few numbers) instead of failing. */
    private readonly available: () => boolean,
    intervalMs = 1_000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  add(field: string): void {
    this.pending.set(field, (this.pending.get(field) ?? 0) + 1);
  }

  /** Writes what was counted since the last flush; on failure the counts are kept for the next one. */
  flush(): Promise<void> {
    if (this.pending.size === 0 || !this.available()) return Promise.resolve();
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    for (const [field, n] of batch) pipeline.hincrby(this.key, field, n);
    const results = await pipeline.exec().catch(() => null);
    if (results && results.every(([err]) => !err)) return;
    for (const [field, n] of batch) this.pending.set(field, (this.pending.get(field) ?? 0) + n);
  }
}
