// Sliding-window counters in Redis, checked and consumed atomically by one Lua script, so a limit holds across any
// number of gateway processes. Each counter is a hash of time buckets (bucket index → amount); the window is the last
// `windowMs / bucketMs` buckets. Several counters (key RPM, key TPM, team RPM, team TPM) are checked together and
// consumed all-or-nothing: a request refused by one limit uses up none of the others. Time comes from Redis (TIME),
// so gateway clocks do not matter.
//
// On a Redis Cluster a script may touch one slot only: counters in several slots are consumed by one call per slot
// (a key's or a team's counters share one, see rate-limits.ts), and when one slot refuses, the others' charges are
// taken back; until then they count (a concurrent request may be refused, never let through).
import { groupBySlot, type RedisClient } from '../../lib/redis.ts';

// KEYS: one hash per counter. ARGV: window_ms, bucket_ms, then (limit, cost) per counter.
// Returns: allowed (1/0), bucket, now_ms, then per counter: used (after consuming when allowed), reset_ms, retry_ms.
//   reset_ms: time until the counter is empty again; retry_ms: time until `cost` fits (0 = fits now, -1 = never:
//   cost exceeds the limit itself).
export const CONSUME_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local bsize = tonumber(ARGV[2])
local cur = math.floor(now / bsize)
local nb = math.ceil(window / bsize)
local oldest = cur - nb + 1
local n = #KEYS
local used, newest, retry = {}, {}, {}
local allowed = 1
for i = 1, n do
  local limit = tonumber(ARGV[1 + 2 * i])
  local cost = tonumber(ARGV[2 + 2 * i])
  local h = redis.call('HGETALL', KEYS[i])
  local sum, top = 0, -1
  local live, stale = {}, {}
  for j = 1, #h, 2 do
    local idx = tonumber(h[j])
    local c = tonumber(h[j + 1])
    if idx < oldest then
      stale[#stale + 1] = h[j]
    else
      sum = sum + c
      live[#live + 1] = { idx, c }
      if c > 0 and idx > top then top = idx end
    end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[i], unpack(stale)) end
  used[i] = sum
  newest[i] = top
  retry[i] = 0
  if sum + cost > limit then
    allowed = 0
    if cost > limit then
      retry[i] = -1
    else
      table.sort(live, function(a, b) return a[1] < b[1] end)
      local need = sum + cost - limit
      local freed = 0
      retry[i] = window
      for _, e in ipairs(live) do
        freed = freed + e[2]
        if freed >= need then
          retry[i] = (e[1] + nb) * bsize - now
          break
        end
      end
    end
  end
end
if allowed == 1 then
  for i = 1, n do
    local cost = tonumber(ARGV[2 + 2 * i])
    if cost > 0 then
      redis.call('HINCRBY', KEYS[i], cur, cost)
      used[i] = used[i] + cost
      newest[i] = cur
    end
    redis.call('PEXPIRE', KEYS[i], window + bsize)
  end
end
local out = { allowed, cur, now }
for i = 1, n do
  local reset = 0
  if newest[i] >= 0 then reset = (newest[i] + nb) * bsize - now end
  out[#out + 1] = used[i]
  out[#out + 1] = reset
  out[#out + 1] = retry[i]
end
return out
`;

// Corrects what a consume call charged: KEYS counters, ARGV: window_ms, bucket_ms, bucket (from consume), then one
// delta per counter. Deltas go to the original bucket while it is in the window (refunds never below zero); a positive
// delta for a bucket that already left the window is charged now.
export const ADJUST_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local bsize = tonumber(ARGV[2])
local bucket = tonumber(ARGV[3])
local cur = math.floor(now / bsize)
local oldest = cur - math.ceil(window / bsize) + 1
for i = 1, #KEYS do
  local d = tonumber(ARGV[3 + i])
  if d ~= 0 then
    if bucket >= oldest then
      local v = redis.call('HINCRBY', KEYS[i], ARGV[3], d)
      if v <= 0 then redis.call('HDEL', KEYS[i], ARGV[3]) end
    elseif d > 0 then
      redis.call('HINCRBY', KEYS[i], cur, d)
    end
    redis.call('PEXPIRE', KEYS[i], window + bsize)
  end
end
return 1
`;

export interface Counter {
  /** Redis key of the counter. */
  key: string;
  limit: number;
  /** Amount this call consumes (1 for a request, estimated tokens for TPM). */
  cost: number;
}

export interface CounterState {
  limit: number;
  used: number;
  remaining: number;
  /** Milliseconds until the counter is empty again. */
  resetMs: number;
  /** Milliseconds until this call's cost would fit; 0 = fits; -1 = never (cost above the limit). */
  retryMs: number;
}

export interface ConsumeResult {
  allowed: boolean;
  /** Bucket the cost was charged to (pass to adjust()). */
  bucket: number;
  /** Redis time of the decision (ms). */
  nowMs: number;
  counters: CounterState[];
}

interface LimiterCommands {
  helixLimitConsume(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
  helixLimitAdjust(numKeys: number, ...args: Array<string | number>): Promise<number>;
}

export interface SlidingWindowOptions {
  windowMs: number;
  bucketMs: number;
}

/** The Lua scripts, registered once per ioredis client (EVALSHA, falling back to EVAL after a NOSCRIPT). */
export class SlidingWindowLimiter {
  private readonly redis: RedisClient & LimiterCommands;

  constructor(
    redis: RedisClient,
    readonly opts: SlidingWindowOptions,
  ) {
    if (!(redis as Partial<LimiterCommands>).helixLimitConsume) {
      redis.defineCommand('helixLimitConsume', { lua: CONSUME_LUA });
      redis.defineCommand('helixLimitAdjust', { lua: ADJUST_LUA });
    }
    this.redis = redis as RedisClient & LimiterCommands;
  }

  /** Checks all counters and, only if every one has room, charges each its cost. */
  async consume(counters: Counter[]): Promise<ConsumeResult> {
    const calls = groupBySlot(
      this.redis,
      counters.map((counter, index) => ({ counter, index })),
      (c) => c.counter.key,
    );
    if (calls.length <= 1) return this.consumeInCall(counters);
    const results = await Promise.all(calls.map((call) => this.consumeInCall(call.map((c) => c.counter))));
    const out: ConsumeResult = { allowed: results.every((r) => r.allowed), bucket: results[0]!.bucket, nowMs: results[0]!.nowMs, counters: [] };
    const cost = (c: Counter) => Math.max(0, Math.ceil(c.cost));
    calls.forEach((call, i) =>
      call.forEach((c, j) => {
        const state = results[i]!.counters[j]!;
        // Reported as a refusal reports it: without this call's cost, which is taken back below.
        const used = out.allowed || !results[i]!.allowed ? state.used : state.used - cost(c.counter);
        out.counters[c.index] = { ...state, used, remaining: Math.max(0, state.limit - used) };
      }),
    );
    if (!out.allowed) {
      await Promise.all(calls.map((call, i) => (results[i]!.allowed ? this.adjust(results[i]!.bucket, call.map((c) => ({ key: c.counter.key, delta: -cost(c.counter) }))) : undefined)));
    }
    return out;
  }

  private async consumeInCall(counters: Counter[]): Promise<ConsumeResult> {
    const args: Array<string | number> = [...counters.map((c) => c.key), this.opts.windowMs, this.opts.bucketMs];
    for (const c of counters) args.push(Math.floor(c.limit), Math.max(0, Math.ceil(c.cost)));
    const raw = await this.redis.helixLimitConsume(counters.length, ...args);
    const [allowed, bucket, nowMs] = raw;
    return {
      allowed: allowed === 1,
      bucket: bucket ?? 0,
      nowMs: nowMs ?? 0,
      counters: counters.map((c, i) => {
        const used = raw[3 + i * 3] ?? 0;
        return { limit: c.limit, used, remaining: Math.max(0, c.limit - used), resetMs: Math.max(0, raw[4 + i * 3] ?? 0), retryMs: raw[5 + i * 3] ?? 0 };
      }),
    };
  }

  /** Adds `delta` (may be negative) to what an earlier consume charged in `bucket`. */
  async adjust(bucket: number, entries: Array<{ key: string; delta: number }>): Promise<void> {
    const changes = entries.filter((e) => Math.round(e.delta) !== 0);
    await Promise.all(
      groupBySlot(this.redis, changes, (e) => e.key).map((call) =>
        this.redis.helixLimitAdjust(call.length, ...call.map((e) => e.key), this.opts.windowMs, this.opts.bucketMs, bucket, ...call.map((e) => Math.round(e.delta))),
      ),
    );
  }
}
