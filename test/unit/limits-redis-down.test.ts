// Rate limits when Redis goes away (a private Redis, stopped and frozen mid-test): fail_open serves without limits,
// fail-closed answers 429 + Retry-After — never anything else, and never slower than the configured timeout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedis, type RedisInstance } from '../../stack/redis.ts';
import { freePort } from '../../stack/ports.ts';
import { createLimits } from '../../gateway/limits/rate-limits.ts';
import { GatewayError } from '../../gateway/errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void describe('rate limits with Redis unreachable', () => {
  let server: RedisInstance;
  let redis: Redis;
  let dir: string;
  const principal = { keyId: 'key_down', alias: '', teamId: '', rpmLimit: 2 };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'helix-limits-down-'));
    server = await startRedis({ port: await freePort(), dataDir: dir });
    // Like gateway/main.ts: fail fast while disconnected.
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    await new Promise<void>((r) => (redis.status === 'ready' ? r() : redis.once('ready', () => r())));
  });
  after(async () => {
    redis?.disconnect();
    if (server?.pid && server.pid > 0) {
      try {
        process.kill(server.pid, 'SIGCONT');
      } catch {
        /* not stopped */
      }
    }
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('enforces while up, then fails open (default) or closed (429) while down, and recovers', async () => {
    const open = createLimits({ redis });
    const closed = createLimits({ redis, settings: { fail_open: false } });
    assert.equal((await open.admit(principal)).limited, true);
    assert.equal((await open.admit(principal)).limited, true);
    await assert.rejects(open.admit(principal), (e: unknown) => e instanceof GatewayError && e.status === 429);

    await server.stop();
    await sleep(200);
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const a = await open.admit(principal);
      assert.equal(a.limited, false, 'fail open: served without limits');
      assert.deepEqual(a.headers, {});
      a.settle(10); // harmless
      assert.ok(Date.now() - t0 < 300, 'fails fast');
    }
    await assert.rejects(closed.admit(principal), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.status, 429);
      assert.equal(e.extra.retryAfterSeconds, 1);
      assert.match(e.message, /rate limiter unavailable/);
      return true;
    });

    await server.start(); // comes back empty
    await new Promise<void>((r) => (redis.status === 'ready' ? r() : redis.once('ready', () => r())));
    await sleep(1_100); // the limiter skips Redis for 1 s after a failure
    const fresh = createLimits({ redis });
    assert.equal((await fresh.admit(principal)).limited, true);
  });

  void it('a frozen Redis costs at most the timeout, then fails open', async () => {
    const limits = createLimits({ redis, settings: { redis_timeout_ms: 150 } });
    assert.equal((await limits.admit({ ...principal, keyId: 'key_frozen', rpmLimit: 100 })).limited, true);
    process.kill(server.pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const a = await limits.admit({ ...principal, keyId: 'key_frozen', rpmLimit: 100 });
      const elapsed = Date.now() - t0;
      assert.equal(a.limited, false);
      assert.ok(elapsed >= 140 && elapsed < 600, `took ${elapsed} ms`);
      // Right after a failure the limiter does not wait again.
      const t1 = Date.now();
      assert.equal((await limits.admit({ ...principal, keyId: 'key_frozen', rpmLimit: 100 })).limited, false);
      assert.ok(Date.now() - t1 < 50);
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
  });
});
