// The auth stage: credentials from headers, master/virtual keys, 401/403, the in-memory cache (and how little it asks
// Redis), `auto` mode on a fresh install, and a private Redis stopped mid-test (verified keys stay valid, unknown → 401).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuth, type Auth } from '../../gateway/auth/authenticate.ts';
import { extractApiKey } from '../../gateway/auth/extract-api-key.ts';
import { assertModelAllowed, filterAllowedModels, modelAllowed } from '../../gateway/auth/model-access.ts';
import { KeyStore } from '../../core/keys/key-store.ts';
import { KeyCache } from '../../gateway/auth/key-cache.ts';
import { GatewayError } from '../../gateway/errors.ts';
import { startRedis, type RedisInstance } from '../../stack/redis.ts';
import { freePort } from '../../stack/ports.ts';
import { clearTestData } from '../helpers/redis.ts';

const url = process.env.HELIX_REDIS_URL;
const MASTER = 'sk-helix-unit-master';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
const is401 = (e: unknown) => e instanceof GatewayError && e.status === 401 && e.code === 'invalid_api_key';
const is403 = (e: unknown) => e instanceof GatewayError && e.status === 403 && e.code === 'forbidden';
const is503 = (e: unknown) => e instanceof GatewayError && e.status === 503 && e.code === 'service_unavailable';

const dropPrefix = clearTestData;

/** Counts the store's hot-path lookups. */
function spy(store: KeyStore) {
  const counter = { lookups: 0 };
  const original = store.lookup.bind(store);
  store.lookup = async (hash, timeoutMs) => {
    counter.lookups++;
    return original(hash, timeoutMs);
  };
  return counter;
}

void describe('credentials and model permissions', () => {
  void it('reads Authorization: Bearer, x-api-key and api-key', () => {
    assert.equal(extractApiKey({ authorization: 'Bearer sk-a' }), 'sk-a');
    assert.equal(extractApiKey({ authorization: 'bearer   sk-b ' }), 'sk-b');
    assert.equal(extractApiKey({ authorization: 'sk-bare' }), 'sk-bare');
    assert.equal(extractApiKey({ 'x-api-key': 'sk-anthropic' }), 'sk-anthropic');
    assert.equal(extractApiKey({ 'api-key': 'sk-azure' }), 'sk-azure');
    assert.equal(extractApiKey({ authorization: 'Bearer sk-first', 'x-api-key': 'sk-second' }), 'sk-first');
    assert.equal(extractApiKey({ authorization: 'Basic dXNlcjpwYXNz' }), undefined);
    assert.equal(extractApiKey({}), undefined);
  });

  void it('allows models by exact name, prefix wildcard or all', () => {
    assert.ok(modelAllowed([], 'anything'));
    assert.ok(modelAllowed(['mock/echo'], 'mock/echo'));
    assert.ok(modelAllowed(['openai/*'], 'openai/gpt-4o'));
    assert.ok(modelAllowed(['all-proxy-models'], 'x'));
    assert.ok(!modelAllowed(['mock/echo'], 'mock/fixed'));
    assert.deepEqual(filterAllowedModels({ models: ['mock/*'] }, ['mock/echo', 'gpt-4o', 'mock/fixed']), ['mock/echo', 'mock/fixed']);
    assert.throws(
      () => assertModelAllowed({ models: ['mock/echo'], alias: 'svc', keyId: 'key_1' }, 'gpt-4o'),
      (e: unknown) => e instanceof GatewayError && e.status === 403 && e.code === 'model_not_allowed' && e.extra.param === 'model' && /svc/.test(e.message),
    );
  });

  void it('keeps a bounded LRU cache with TTL, stale horizon and negative entries', () => {
    let t = 0;
    const cache = new KeyCache<string>({ ttlMs: 100, staleMs: 1000, maxEntries: 2, negativeTtlMs: 50, now: () => t });
    cache.set('a', 'A');
    cache.set('b', 'B');
    assert.equal(cache.get('a')?.fresh, true); // a is now most recent
    cache.set('c', 'C'); // evicts b
    assert.equal(cache.get('b'), undefined);
    t = 500;
    assert.deepEqual(cache.get('a'), { value: 'A', ageMs: 500, fresh: false });
    t = 1001;
    assert.equal(cache.get('a'), undefined);
    cache.setMissing('z');
    assert.equal(cache.isKnownMissing('z'), true);
    t = 1052;
    assert.equal(cache.isKnownMissing('z'), false);
  });
});

void describe('auth stage with master key and virtual keys (real Redis)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  const prefix = `test-auth-${randomBytes(4).toString('hex')}:`;
  let store: KeyStore;
  let auth: Auth;
  let calls: { lookups: number };

  before(async () => {
    store = KeyStore.open(url!, { prefix });
    await store.ensureIndex();
    calls = spy(store);
    auth = createAuth({ masterKey: MASTER, store, settings: { cache_ttl_seconds: 5 } });
  });
  after(async () => {
    await auth.close();
    await store.close();
    await dropPrefix(url!, prefix);
  });

  void it('master key → admin; virtual key → its principal; unknown or missing → 401', async () => {
    const master = await auth.authenticate(bearer(MASTER));
    assert.equal(master.kind, 'master');
    assert.equal(master.admin, true);
    assert.equal(master.keyId, 'master');

    const { key, record } = await store.generate({ key_alias: 'svc-a', team_id: 'team-1', user_id: 'u-1', models: ['mock/echo'], rpm_limit: 10, tpm_limit: 500, max_budget: 5 });
    const p = await auth.authenticate({ headers: { 'x-api-key': key } });
    assert.deepEqual(
      { kind: p.kind, admin: p.admin, keyId: p.keyId, keyHash: p.keyHash, alias: p.alias, teamId: p.teamId, userId: p.userId, models: p.models, rpm: p.rpmLimit, tpm: p.tpmLimit, budget: p.maxBudget },
      { kind: 'virtual', admin: false, keyId: record.key_id, keyHash: record.key_hash, alias: 'svc-a', teamId: 'team-1', userId: 'u-1', models: ['mock/echo'], rpm: 10, tpm: 500, budget: 5 },
    );
    assert.throws(() => assertModelAllowed(p, 'mock/fixed'), /not allowed to use model "mock\/fixed"/);

    await assert.rejects(auth.authenticate(bearer('sk-helix-doesnotexist0000000000000000000000')), (e: unknown) => is401(e) && /Incorrect API key provided: sk-helix-\.\.\.0000/.test((e as Error).message));
    await assert.rejects(auth.authenticate({ headers: {} }), (e: unknown) => is401(e) && /didn't provide an API key/.test((e as Error).message));
  });

  void it('serves repeated requests from the cache: one Redis lookup for 200 requests', async () => {
    const { key } = await store.generate({ key_alias: 'hot' });
    const before = calls.lookups;
    await Promise.all(Array.from({ length: 200 }, () => auth.authenticate(bearer(key))));
    assert.equal(calls.lookups - before, 1);
    // Unknown keys are remembered briefly too.
    const bad = 'sk-helix-unknown-flood';
    const b2 = calls.lookups;
    for (let i = 0; i < 20; i++) await auth.authenticate(bearer(bad)).catch(() => undefined);
    assert.equal(calls.lookups - b2, 1);
  });

  void it('rejects blocked and expired keys; blocking, rotating and deleting take effect at once via invalidation', async () => {
    const expired = await store.generate({ key_alias: 'old', expires: '2020-01-01T00:00:00Z' });
    await assert.rejects(auth.authenticate(bearer(expired.key)), (e: unknown) => is401(e) && /expired/.test((e as Error).message));

    const { key, record } = await store.generate({ key_alias: 'lifecycle-auth' });
    assert.equal((await auth.authenticate(bearer(key))).keyId, record.key_id); // now cached for 5 s
    await store.update(record.key_id, { blocked: true });
    await sleep(100); // pub/sub round trip
    await assert.rejects(auth.authenticate(bearer(key)), (e: unknown) => is401(e) && /blocked/.test((e as Error).message));
    await store.update(record.key_id, { blocked: false });
    await sleep(100);
    assert.equal((await auth.authenticate(bearer(key))).keyId, record.key_id);

    const rotated = await store.rotate(record.key_id);
    await sleep(100);
    await assert.rejects(auth.authenticate(bearer(key)), is401);
    assert.equal((await auth.authenticate(bearer(rotated.key))).keyId, record.key_id, 'same id after rotation');

    await store.delete([record.key_id]);
    await sleep(100);
    await assert.rejects(auth.authenticate(bearer(rotated.key)), is401);
  });

  void it('admin API access: master only (401 without or with a bad key, 403 for a virtual key)', async () => {
    assert.equal((await auth.authenticateAdmin(bearer(MASTER))).kind, 'master');
    const { key } = await store.generate({});
    await assert.rejects(auth.authenticateAdmin(bearer(key)), is403);
    await assert.rejects(auth.authenticateAdmin({ headers: {} }), is401);
    await assert.rejects(auth.authenticateAdmin(bearer('sk-wrong')), is401);
  });
});

void describe('auth mode auto on a fresh install (no master key)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  const prefix = `test-auto-${randomBytes(4).toString('hex')}:`;
  let store: KeyStore;
  before(async () => {
    store = KeyStore.open(url!, { prefix });
    await store.ensureIndex();
  });
  after(async () => {
    await store.close();
    await dropPrefix(url!, prefix);
  });

  void it('is off without master key and keys (any or no key works), on once a virtual key exists', async () => {
    const auth = createAuth({ store, settings: {} });
    assert.equal(await auth.isEnforced(), false);
    assert.equal((await auth.authenticate({ headers: {} })).kind, 'anonymous');
    assert.equal((await auth.authenticate(bearer('sk-anything'))).kind, 'anonymous');
    await assert.rejects(auth.authenticateAdmin(bearer('sk-anything')), (e: unknown) => is401(e) && /admin API is disabled/.test((e as Error).message));

    const { key, record } = await store.generate({ key_alias: 'first' });
    auth.noteKeyCreated();
    assert.equal(await auth.isEnforced(), true);
    await assert.rejects(auth.authenticate({ headers: {} }), is401);
    await assert.rejects(auth.authenticate(bearer('sk-anything')), is401);
    assert.equal((await auth.authenticate(bearer(key))).keyId, record.key_id);

    // A second gateway learns it from the key count.
    const other = createAuth({ store, settings: {} });
    assert.equal(await other.isEnforced(), true);
    await store.delete([record.key_id]);
  });

  void it('is always on with mode: required, and on when a master key is set', async () => {
    const required = createAuth({ store, settings: { mode: 'required' } });
    await assert.rejects(required.authenticate({ headers: {} }), is401);
    const withMaster = createAuth({ store, masterKey: MASTER });
    await assert.rejects(withMaster.authenticate(bearer('sk-anything')), is401);
  });
});

void describe('auth with Redis unreachable (private Redis stopped mid-test)', () => {
  let server: RedisInstance;
  let dir: string;
  let store: KeyStore;
  const prefix = 'test-outage:';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'helix-auth-down-'));
    server = await startRedis({ port: await freePort(), dataDir: dir });
    store = KeyStore.open(server.url, { prefix });
    await store.ensureIndex();
  });
  after(async () => {
    await store?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('keeps verified keys valid from the cache past the TTL; a key it cannot check is a retryable 503, not a 401', async () => {
    const auth = createAuth({ masterKey: MASTER, store, settings: { cache_ttl_seconds: 0.2, cache_stale_seconds: 2.5, negative_cache_seconds: 0 } });
    const verified = await store.generate({ key_alias: 'verified', team_id: 't' });
    const neverSeen = await store.generate({ key_alias: 'never-seen' });
    assert.equal((await auth.authenticate(bearer(verified.key))).keyId, verified.record.key_id);

    await server.stop();
    await sleep(400); // past the TTL: the cache has to ask Redis, which is gone
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      const p = await auth.authenticate(bearer(verified.key));
      assert.equal(p.keyId, verified.record.key_id);
      assert.equal(p.teamId, 't');
    }
    assert.ok(Date.now() - t0 < 1000, 'fast while Redis is down');
    await assert.rejects(auth.authenticate(bearer(neverSeen.key)), is503);
    await assert.rejects(auth.authenticate(bearer('sk-helix-random')), is503);
    assert.equal((await auth.authenticate(bearer(MASTER))).kind, 'master', 'the master key needs no Redis');

    // Last-known-good has a horizon (cache_stale_seconds).
    await sleep(2_300);
    await assert.rejects(auth.authenticate(bearer(verified.key)), is503);
  });
});
