// The Redis rate limiter on the test run's real Redis: exact under concurrency, shared across independent clients
// (= gateway processes), all-or-nothing across limits, token settlement, sliding, headers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRedis, scanKeys, unlinkKeys, type RedisClient as Redis } from '../../lib/redis.ts';
import { SlidingWindowLimiter } from '../../gateway/limits/sliding-window.ts';
import { createLimits, formatResetDuration, rateLimitHeaders, type Admission } from '../../gateway/limits/rate-limits.ts';
import { estimateChatTokens } from '../../gateway/limits/estimate.ts';
import { GatewayError } from '../../gateway/errors.ts';

const url = process.env.HELIX_REDIS_URL;
const prefix = `test-limits-${randomBytes(4).toString('hex')}:`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const client = () => createRedis(url!, { maxRetriesPerRequest: 1, enableOfflineQueue: true });

async function settled<T>(promises: Array<Promise<T>>) {
  const results = await Promise.allSettled(promises);
  const ok: T[] = [];
  const errors: unknown[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') ok.push(r.value);
    else errors.push(r.reason);
  }
  return { ok, errors };
}

void describe('sliding-window limiter (Lua, real Redis)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  let a: Redis;
  let b: Redis;
  before(async () => {
    a = client();
    b = client();
    await Promise.all([a.ping(), b.ping()]);
  });
  after(async () => {
    await unlinkKeys(a, await scanKeys(a, `${prefix}*`));
    a.disconnect();
    b.disconnect();
  });

  void it('allows exactly the limit out of 200 concurrent checks', async () => {
    const limiter = new SlidingWindowLimiter(a, { windowMs: 60_000, bucketMs: 1000 });
    const key = `${prefix}conc`;
    const results = await Promise.all(Array.from({ length: 200 }, () => limiter.consume([{ key, limit: 50, cost: 1 }])));
    assert.equal(results.filter((r) => r.allowed).length, 50);
    const denied = results.find((r) => !r.allowed)!;
    assert.equal(denied.counters[0]!.remaining, 0);
    assert.ok(denied.counters[0]!.retryMs > 0 && denied.counters[0]!.retryMs <= 60_000, `retry ${denied.counters[0]!.retryMs}`);
  });

  void it('holds one limit across two independent Redis clients (two gateways)', async () => {
    const l1 = new SlidingWindowLimiter(a, { windowMs: 60_000, bucketMs: 1000 });
    const l2 = new SlidingWindowLimiter(b, { windowMs: 60_000, bucketMs: 1000 });
    const key = `${prefix}two`;
    const calls = Array.from({ length: 120 }, (_, i) => (i % 2 ? l1 : l2).consume([{ key, limit: 37, cost: 1 }]));
    const results = await Promise.all(calls);
    assert.equal(results.filter((r) => r.allowed).length, 37);
  });

  void it('consumes all-or-nothing: a request refused by the team limit uses none of the key limit', async () => {
    const limiter = new SlidingWindowLimiter(a, { windowMs: 60_000, bucketMs: 1000 });
    const keyRpm = `${prefix}aon:key`;
    const teamRpm = `${prefix}aon:team`;
    for (let i = 0; i < 3; i++) assert.equal((await limiter.consume([{ key: keyRpm, limit: 10, cost: 1 }, { key: teamRpm, limit: 3, cost: 1 }])).allowed, true);
    const refused = await limiter.consume([{ key: keyRpm, limit: 10, cost: 1 }, { key: teamRpm, limit: 3, cost: 1 }]);
    assert.equal(refused.allowed, false);
    assert.equal(refused.counters[0]!.used, 3, 'key counter untouched by the refused request');
    assert.equal(refused.counters[0]!.retryMs, 0);
    assert.ok(refused.counters[1]!.retryMs > 0);
    assert.equal(Number(await a.hget(keyRpm, String(refused.bucket))), 3);
  });

  void it('slides: capacity comes back when old buckets leave the window', async () => {
    const limiter = new SlidingWindowLimiter(a, { windowMs: 600, bucketMs: 100 });
    const key = `${prefix}slide`;
    const first = await Promise.all(Array.from({ length: 8 }, () => limiter.consume([{ key, limit: 5, cost: 1 }])));
    assert.equal(first.filter((r) => r.allowed).length, 5);
    const retryMs = Math.max(...first.filter((r) => !r.allowed).map((r) => r.counters[0]!.retryMs));
    assert.ok(retryMs > 0 && retryMs <= 600, `retry ${retryMs}`);
    await sleep(retryMs + 30);
    assert.equal((await limiter.consume([{ key, limit: 5, cost: 1 }])).allowed, true);
    assert.ok((await a.pttl(key)) > 0, 'counters expire by themselves');
  });

  void it('weights costs (TPM), refuses a cost above the limit itself with retry -1, and adjusts after the call', async () => {
    const limiter = new SlidingWindowLimiter(a, { windowMs: 60_000, bucketMs: 1000 });
    const key = `${prefix}tpm`;
    const r1 = await limiter.consume([{ key, limit: 1000, cost: 600 }]);
    assert.equal(r1.allowed, true);
    assert.equal((await limiter.consume([{ key, limit: 1000, cost: 600 }])).allowed, false);
    const tooBig = await limiter.consume([{ key, limit: 1000, cost: 1001 }]);
    assert.equal(tooBig.allowed, false);
    assert.equal(tooBig.counters[0]!.retryMs, -1);
    // The call used only 100 tokens: the estimate is corrected in its bucket, and 600 more fit again.
    await limiter.adjust(r1.bucket, [{ key, delta: 100 - 600 }]);
    const r2 = await limiter.consume([{ key, limit: 1000, cost: 600 }]);
    assert.equal(r2.allowed, true);
    assert.equal(r2.counters[0]!.used, 700);
    // Refunds never go below zero.
    await limiter.adjust(r1.bucket, [{ key, delta: -5000 }]);
    assert.ok(Number((await a.hget(key, String(r1.bucket))) ?? 0) >= 0);
  });

  void it('loads the script once and survives SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    const c = client();
    try {
      const limiter = new SlidingWindowLimiter(c, { windowMs: 60_000, bucketMs: 1000 });
      const key = `${prefix}flush`;
      assert.equal((await limiter.consume([{ key, limit: 2, cost: 1 }])).allowed, true);
      await c.script('FLUSH');
      assert.equal((await limiter.consume([{ key, limit: 2, cost: 1 }])).allowed, true);
      assert.equal((await limiter.consume([{ key, limit: 2, cost: 1 }])).allowed, false);
    } finally {
      c.disconnect();
    }
  });
});

void describe('limits policy (admit/settle)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  let redis: Redis;
  before(() => {
    redis = client();
  });
  after(async () => {
    await unlinkKeys(redis, await scanKeys(redis, `${prefix}*`));
    redis.disconnect();
  });

  void it('admits up to RPM, then 429 rate_limit_exceeded with Retry-After and OpenAI headers', async () => {
    const limits = createLimits({ redis, settings: { redis_prefix: `${prefix}p1:` } });
    const principal = { keyId: 'key_rpm', alias: 'svc-a', teamId: '', rpmLimit: 3 };
    const admitted: Admission[] = [];
    for (let i = 0; i < 3; i++) admitted.push(await limits.admit(principal));
    assert.equal(admitted[0]!.headers['x-ratelimit-limit-requests'], '3');
    assert.equal(admitted[0]!.headers['x-ratelimit-remaining-requests'], '2');
    assert.equal(admitted[2]!.headers['x-ratelimit-remaining-requests'], '0');
    assert.match(admitted[2]!.headers['x-ratelimit-reset-requests']!, /^\d+(\.\d+)?s$|^\d+m\d+(\.\d+)?s$/);
    await assert.rejects(limits.admit(principal), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limit_exceeded');
      assert.ok(err.extra.retryAfterSeconds! >= 1 && err.extra.retryAfterSeconds! <= 60);
      assert.equal(err.extra.headers?.['x-ratelimit-remaining-requests'], '0');
      assert.ok(Number(err.extra.headers?.['retry-after-ms']) > 0);
      assert.match(err.message, /Rate limit reached for key svc-a on requests per minute \(RPM\): Limit 3/);
      return true;
    });
  });

  void it('checks TPM against the estimate and records the actual tokens after the call', async () => {
    const limits = createLimits({ redis, settings: { redis_prefix: `${prefix}p2:` } });
    const principal = { keyId: 'key_tpm', alias: '', teamId: '', tpmLimit: 1000 };
    const first = await limits.admit(principal, { estimatedTokens: 900 });
    assert.equal(first.headers['x-ratelimit-remaining-tokens'], '100');
    await assert.rejects(limits.admit(principal, { estimatedTokens: 200 }), /tokens per minute \(TPM\)/);
    first.settle(150); // the call really used 150
    first.settle(9999); // idempotent
    await sleep(50);
    const second = await limits.admit(principal, { estimatedTokens: 800 });
    assert.equal(second.headers['x-ratelimit-remaining-tokens'], '50');
    await assert.rejects(limits.admit(principal, { estimatedTokens: 5000 }), /Request too large/);
  });

  void it('applies team limits from config to every key of the team', async () => {
    const limits = createLimits({ redis, settings: { redis_prefix: `${prefix}p3:`, teams: { red: { rpm_limit: 4 } } } });
    const outcomes = await settled(Array.from({ length: 10 }, (_, i) => limits.admit({ keyId: `key_${i % 3}`, alias: '', teamId: 'red', rpmLimit: 100 })));
    assert.equal(outcomes.ok.length, 4);
    assert.ok(outcomes.errors.every((e) => e instanceof GatewayError && e.status === 429));
    assert.equal((await limits.admit({ keyId: 'key_x', alias: '', teamId: 'blue', rpmLimit: 100 })).limited, true);
  });

  void it('does nothing for callers without limits, or when limits are disabled', async () => {
    const limits = createLimits({ redis, settings: { redis_prefix: `${prefix}p4:` } });
    const a = await limits.admit({ keyId: 'key_free', alias: '', teamId: '' });
    assert.equal(a.limited, false);
    assert.deepEqual(a.headers, {});
    const off = createLimits({ redis, settings: { enabled: false } });
    assert.equal((await off.admit({ keyId: 'k', alias: '', teamId: '', rpmLimit: 1 })).limited, false);
  });
});

void describe('rate-limit helpers', () => {
  void it('formats reset durations like OpenAI', () => {
    assert.equal(formatResetDuration(20), '20ms');
    assert.equal(formatResetDuration(1000), '1s');
    assert.equal(formatResetDuration(6500), '6.5s');
    assert.equal(formatResetDuration(360_000), '6m0s');
    assert.equal(formatResetDuration(-5), '0ms');
  });

  void it('reports the most constrained counter per dimension', () => {
    const headers = rateLimitHeaders(
      [{ dimension: 'requests' }, { dimension: 'requests' }, { dimension: 'tokens' }],
      [
        { limit: 100, used: 10, remaining: 90, resetMs: 1000, retryMs: 0 },
        { limit: 20, used: 15, remaining: 5, resetMs: 2000, retryMs: 0 },
        { limit: 1000, used: 1, remaining: 999, resetMs: 500, retryMs: 0 },
      ],
    );
    assert.deepEqual(headers, {
      'x-ratelimit-limit-requests': '20',
      'x-ratelimit-remaining-requests': '5',
      'x-ratelimit-reset-requests': '2s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '999',
      'x-ratelimit-reset-tokens': '500ms',
    });
  });

  void it('estimates prompt tokens plus max_tokens × n', () => {
    const base = estimateChatTokens({ messages: [{ role: 'user', content: 'hello there' }] });
    assert.ok(base > 3);
    assert.equal(estimateChatTokens({ messages: [{ role: 'user', content: 'hello there' }], max_tokens: 100, n: 2 }), base + 200);
  });
});
