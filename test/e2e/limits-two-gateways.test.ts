// RPM limits hold across two real gateway processes sharing one Redis (not per process), and key changes made through
// one gateway's admin API take effect on the other at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePorts } from '../../stack/ports.ts';
import { spawnHelix, waitFor, type HelixProcess } from '../helpers/processes.ts';

const MASTER = 'sk-helix-e2e-master';

void describe('rate limits across two gateways', () => {
  const gateways: HelixProcess[] = [];
  const urls: string[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-two-gw-'));
    const ports = await freePorts(4);
    // A limiter call slower than its timeout fails open (the documented default, tested on its own): on a loaded
    // test machine 250 ms can pass, and a request served unlimited would look like a cross-gateway leak here.
    const config = join(dir, 'helix.yaml');
    writeFileSync(config, 'helix_settings:\n  limits:\n    redis_timeout_ms: 5000\nmodel_list:\n  - model_name: mock/echo\n    litellm_params: { model: mock/echo }\n');
    const common: NodeJS.ProcessEnv = {
      HELIX_CONFIG: config,
      // Same Redis (HELIX_REDIS_URL from the test runner) and Kafka; own topics and data.
      HELIX_TOPIC_PREFIX: `t${randomBytes(4).toString('hex')}.`,
      HELIX_MASTER_KEY: MASTER,
      HELIX_LOG_LEVEL: 'info',
    };
    for (const [i, name] of ['gw-a', 'gw-b'].entries()) {
      const env = { ...common, HELIX_PORT: String(ports[i]), HELIX_QUERY_PORT: String(ports[i + 2]), HELIX_DATA_DIR: join(dir, name) };
      const gw = spawnHelix('gateway/main.ts', env, name, dir);
      gateways.push(gw);
      const url = `http://127.0.0.1:${ports[i]}`;
      urls.push(url);
      await waitFor(name, async () => (await fetch(`${url}/health/live`)).ok, 60_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${gw.log()}`);
      });
    }
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
  });

  const admin = async (url: string, path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(json)}`);
    return json;
  };
  const chat = (url: string, key: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'ping' }] }),
    });

  void it('an RPM of 10 allows exactly 10 of 30 requests split across both gateways; the rest get 429 + Retry-After', async () => {
    const created = await admin(urls[0]!, '/key/generate', { key_alias: `two-gw-${randomBytes(3).toString('hex')}`, rpm_limit: 10, models: ['mock/echo'] });
    const key = created.key as string;

    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(urls[i % 2]!, key)));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    assert.equal(ok.length, 10, `statuses: ${responses.map((r) => r.status).join(',')}`);
    assert.equal(limited.length, 20);
    assert.ok(ok.some((_, i) => i % 2 === 0) && new Set(responses.map((r, i) => (r.status === 200 ? i % 2 : -1))).size >= 2, 'both gateways served some');

    for (const r of limited) {
      const retryAfter = Number(r.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retry-after ${r.headers.get('retry-after')}`);
      assert.equal(r.headers.get('x-ratelimit-limit-requests'), '10');
      assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
      const body = (await r.json()) as { error: { type: string; code: string; message: string } };
      assert.equal(body.error.code, 'rate_limit_exceeded');
      assert.equal(body.error.type, 'rate_limit_error');
    }
    for (const r of ok) {
      assert.equal(r.headers.get('x-ratelimit-limit-requests'), '10');
      assert.ok(Number(r.headers.get('x-ratelimit-remaining-requests')) >= 0);
      await r.body?.cancel();
    }
    await admin(urls[1]!, '/key/delete', { keys: [created.key_id] });
  });

  void it('a key created, rotated and deleted on one gateway behaves the same on the other at once', async () => {
    const created = await admin(urls[0]!, '/key/generate', { key_alias: `shared-${randomBytes(3).toString('hex')}` });
    const key = created.key as string;
    assert.equal((await chat(urls[1]!, key)).status, 200, 'gateway B knows the key from gateway A');
    assert.equal((await chat(urls[1]!, 'sk-helix-not-a-key')).status, 401);

    const rotated = await admin(urls[0]!, '/key/regenerate', { key });
    await new Promise((r) => setTimeout(r, 200)); // invalidation via Redis pub/sub
    assert.equal((await chat(urls[1]!, key)).status, 401, 'old secret stops working on B too');
    assert.equal((await chat(urls[1]!, rotated.key as string)).status, 200);

    await admin(urls[1]!, '/key/delete', { keys: [created.key_id] });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await chat(urls[0]!, rotated.key as string)).status, 401);
  });
});
