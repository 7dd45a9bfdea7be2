// The detector's shared state in Redis, so every consumer of the group (one per process) sees the same series:
// a hash per series with `n:<window>` / `d:<window>` counters and `first`, a watermark per Kafka partition, and
// cooldown claims. The increments of one partition's batch and its new watermark are applied by one Lua script
// that first checks the watermark is still what this consumer read: a redelivered batch (crash before the offset
// commit, rebalance) is counted once, and two consumers that briefly both think they own a partition cannot both
// apply it.
import type { RedisClient as Redis } from '../../lib/redis.ts';
import type { SeriesView, Window } from './detectors.ts';

const APPLY = `
local wm = redis.call('GET', KEYS[1]) or ''
if wm ~= ARGV[1] then return redis.error_reply('CONFLICT partition watermark moved') end
local ttl = tonumber(ARGV[3])
local updated = tonumber(ARGV[4])
local a = 5
for i = 1, updated do
  local key = KEYS[1 + i]
  local first = tonumber(ARGV[a])
  local keep = tonumber(ARGV[a + 1])
  local n = tonumber(ARGV[a + 2])
  a = a + 3
  for _ = 1, n do
    redis.call('HINCRBYFLOAT', key, 'n:' .. ARGV[a], ARGV[a + 1])
    redis.call('HINCRBYFLOAT', key, 'd:' .. ARGV[a], ARGV[a + 2])
    a = a + 3
  end
  local known = tonumber(redis.call('HGET', key, 'first') or '')
  if known == nil or first < known then redis.call('HSET', key, 'first', first) end
  for _, field in ipairs(redis.call('HKEYS', key)) do
    local w = tonumber(string.sub(field, 3))
    if w ~= nil and w < keep then redis.call('HDEL', key, field) end
  end
  redis.call('PEXPIRE', key, ttl)
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) end
local out = {}
for i = 2, #KEYS do out[i - 1] = redis.call('HGETALL', KEYS[i]) end
return out
`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface SeriesUpdate {
  key: string;
  windows: Map<number, Window>;
  /** Windows older than this are dropped from the hash (outside every history). */
  keepFrom: number;
}

export class WatermarkConflict extends Error {}

/** ioredis scripts defined without numberOfKeys take it as their first argument. */
type Script<R> = (numKeys: number, ...keysThenArgs: string[]) => Promise<R>;

export class SeriesStore {
  private readonly applyScript: Script<string[][]>;
  private readonly releaseScript: Script<number>;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    /** Series and watermarks live this long after their last update. */
    private readonly ttlMs: number,
  ) {
    redis.defineCommand('helixAnomalyApply', { lua: APPLY });
    redis.defineCommand('helixAnomalyRelease', { lua: RELEASE });
    const commands = redis as unknown as { helixAnomalyApply: Script<string[][]>; helixAnomalyRelease: Script<number> };
    this.applyScript = (...args) => commands.helixAnomalyApply(...args);
    this.releaseScript = (...args) => commands.helixAnomalyRelease(...args);
  }

  // Series and watermarks share one hash tag: the apply script touches both, and on a Redis Cluster a script's keys
  // must live in one slot.
  seriesKey(detector: string, dimension: string, entity: string): string {
    return `${this.prefix}{series}:s:${detector}:${dimension}:${entity}`;
  }

  watermarkKey(group: string, topic: string, partition: number): string {
    return `${this.prefix}{series}:wm:${group}:${topic}:${partition}`;
  }

  /** The last offset of a partition whose contributions are applied ('' = none yet). */
  async watermark(key: string): Promise<string> {
    return (await this.redis.get(key)) ?? '';
  }

  /**
   * Applies the updates and moves the watermark from `expected` to `next` atomically, then returns the series
   * `read` (updated or not) as they are now. Throws WatermarkConflict if the watermark moved meanwhile.
   */
  async apply(watermarkKey: string, expected: string, next: string, updates: SeriesUpdate[], read: string[]): Promise<Map<string, SeriesView>> {
    const keys = [watermarkKey, ...updates.map((u) => u.key)];
    const readOnly = read.filter((k) => !updates.some((u) => u.key === k));
    keys.push(...readOnly);
    const args: string[] = [expected, next, String(this.ttlMs), String(updates.length)];
    for (const u of updates) {
      const windows = [...u.windows.entries()];
      args.push(String(Math.min(...windows.map(([w]) => w))), String(u.keepFrom), String(windows.length));
      for (const [w, v] of windows) args.push(String(w), String(v.num), String(v.den));
    }
    let hashes: string[][];
    try {
      hashes = await this.applyScript(keys.length, ...keys, ...args);
    } catch (err) {
      if (String((err as Error).message).includes('CONFLICT')) throw new WatermarkConflict((err as Error).message);
      throw err;
    }
    const views = new Map<string, SeriesView>();
    keys.slice(1).forEach((key, i) => views.set(key, parseSeries(hashes[i] ?? [])));
    return views;
  }

  /** Takes a cooldown/dedupe claim: true if this caller got it. */
  async claim(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Gives a claim back (only if it is still ours), e.g. when publishing the anomaly failed. */
  async release(key: string, value: string): Promise<void> {
    await this.releaseScript(1, key, value);
  }
}

/** HGETALL's flat [field, value, …] list → windows. */
export function parseSeries(flat: string[]): SeriesView {
  const windows = new Map<number, Window>();
  let first = Infinity;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    const value = Number(flat[i + 1]);
    if (field === 'first') {
      first = value;
      continue;
    }
    const w = Number(field.slice(2));
    const win = windows.get(w) ?? { num: 0, den: 0 };
    if (field.startsWith('n:')) win.num = value;
    else if (field.startsWith('d:')) win.den = value;
    windows.set(w, win);
  }
  return { windows, first: Number.isFinite(first) ? first : Math.min(...windows.keys()) };
}
