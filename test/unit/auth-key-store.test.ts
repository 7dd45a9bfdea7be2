// The virtual key store on the test run's real Redis Stack (RedisJSON + RediSearch via redis-om): lifecycle,
// hash-only storage, listing through the index, rotation, invalidation messages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { callOnKeyNode, createRedis, scanKeys, type RedisClient } from '../../lib/redis.ts';
import { KeyStore } from '../../core/keys/key-store.ts';
import { KeyStoreError } from '../../core/keys/key-store-error.ts';
import { hashKey, parseExpires, parseDuration, generateSecret, KEY_PREFIX } from '../../core/keys/secrets.ts';
import { clearTestData } from '../helpers/redis.ts';

const url = process.env.HELIX_REDIS_URL;
const prefix = `test-keys-${randomBytes(4).toString('hex')}:`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void describe('secrets', () => {
  void it('generates sk-helix- keys with 40 base62 characters, all distinct', () => {
    const keys = new Set(Array.from({ length: 500 }, generateSecret));
    assert.equal(keys.size, 500);
    for (const k of keys) assert.match(k, /^sk-helix-[0-9A-Za-z]{40}$/);
    assert.ok(generateSecret().startsWith(KEY_PREFIX));
  });

  void it('parses durations and ISO dates for expiry', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseExpires('30d', now), '2026-01-31T00:00:00.000Z');
    assert.equal(parseExpires('12h', now), '2026-01-01T12:00:00.000Z');
    assert.equal(parseExpires('2027-05-01T10:00:00Z', now), '2027-05-01T10:00:00.000Z');
    assert.equal(parseDuration('15m'), 900_000);
    assert.throws(() => parseExpires('soon', now), /neither a duration/);
  });
});

void describe('key store (redis-om, real Redis)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  let store: KeyStore;
  let raw: RedisClient;

  before(async () => {
    store = KeyStore.open(url!, { prefix });
    raw = createRedis(url!, { maxRetriesPerRequest: 1 });
    await store.ensureIndex();
  });
  after(async () => {
    await clearTestData(url!, prefix);
    raw.disconnect();
    await store.close();
  });

  void it('creates, reads, updates, rotates and deletes a key', async () => {
    const { key, record } = await store.generate({ key_alias: 'lifecycle', team_id: 'team-a', user_id: 'alice', models: ['mock/echo', 'openai/*'], rpm_limit: 60, tpm_limit: 1000, max_budget: 10, budget_duration: '30d', expires: '30d', metadata: { env: 'test' } }, 'master');
    assert.match(key, /^sk-helix-/);
    assert.equal(record.key_hash, hashKey(key));
    assert.match(record.key_id, /^key_/);
    assert.equal(record.key_name, `sk-helix-...${key.slice(-4)}`);
    assert.equal(record.created_by, 'master');
    assert.ok(Date.parse(record.expires!) > Date.now() + 29 * 86_400_000);

    for (const ref of [key, record.key_hash, record.key_id]) {
      const info = await store.info(ref);
      assert.equal(info?.key_id, record.key_id, `info by ${ref.slice(0, 8)}`);
      assert.deepEqual(info?.models, ['mock/echo', 'openai/*']);
      assert.deepEqual(info?.metadata, { env: 'test' });
      assert.equal(info?.rpm_limit, 60);
    }
    assert.equal((await store.lookup(record.key_hash))?.key_alias, 'lifecycle');
    assert.equal(await store.lookup(hashKey('sk-helix-nope')), undefined);

    const upd = await store.update(record.key_id, { rpm_limit: 120, tpm_limit: null, models: ['mock/echo'], blocked: true });
    assert.deepEqual(upd.changed.sort(), ['blocked', 'models', 'rpm_limit', 'tpm_limit']);
    assert.equal(upd.record.rpm_limit, 120);
    assert.equal(upd.record.tpm_limit, undefined);
    assert.equal((await store.info(key))?.blocked, true);
    assert.deepEqual((await store.update(key, { rpm_limit: 120 })).changed, [], 'no-op update changes nothing');

    const rotated = await store.rotate(key);
    assert.notEqual(rotated.key, key);
    assert.equal(rotated.record.key_id, record.key_id);
    assert.equal(rotated.record.rotation_count, 1);
    assert.equal(rotated.record.rpm_limit, 120, 'settings survive rotation');
    assert.equal(await store.lookup(hashKey(key)), undefined, 'old secret is gone');
    assert.equal((await store.lookup(hashKey(rotated.key)))?.key_id, record.key_id);

    const deleted = await store.delete([rotated.key, rotated.key]);
    assert.deepEqual(deleted.map((r) => r.key_id), [record.key_id]);
    assert.equal(await store.info(record.key_id), undefined);
    await assert.rejects(store.update(record.key_id, { rpm_limit: 1 }), (e: unknown) => e instanceof KeyStoreError && e.code === 'not_found');
  });

  void it('stores only the hash: the raw key appears nowhere in Redis', async () => {
    const { key, record } = await store.generate({ key_alias: 'hash-only', metadata: { note: 'x' } });
    const rotated = await store.rotate(record.key_id);
    // Every key in the database, whatever its type: neither secret, nor its random body, is anywhere.
    const names = await scanKeys(raw, '*');
    let dump = names.join('\n');
    for (const name of names) {
      const type = await raw.type(name);
      if (type === 'ReJSON-RL') dump += String(await callOnKeyNode(raw, name, 'JSON.GET', name));
      else if (type === 'string') dump += await raw.get(name);
      else if (type === 'hash') dump += JSON.stringify(await raw.hgetall(name));
      else if (type === 'set') dump += JSON.stringify(await raw.smembers(name));
      else if (type === 'zset') dump += JSON.stringify(await raw.zrange(name, 0, -1));
      else if (type === 'list') dump += JSON.stringify(await raw.lrange(name, 0, -1));
    }
    assert.ok(names.some((n) => n.includes(prefix)));
    for (const secret of [key, rotated.key]) {
      assert.ok(!dump.includes(secret), 'secret stored');
      assert.ok(!dump.includes(secret.slice(KEY_PREFIX.length, -4)), 'secret body stored');
    }
    assert.ok(dump.includes(rotated.record.key_hash));
    await store.delete([record.key_id]);
  });

  void it('lists by team, user and alias through the index, newest first, with pages', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push((await store.generate({ key_alias: `list-${i}`, team_id: i < 3 ? 'Team-L' : 'team-other', user_id: i % 2 ? 'bob' : 'carol' })).record);
      await sleep(2);
    }
    const team = await store.list({ team_id: 'Team-L' });
    assert.equal(team.total, 3);
    assert.deepEqual(team.keys.map((k) => k.key_alias), ['list-2', 'list-1', 'list-0']);
    assert.equal((await store.list({ team_id: 'team-l' })).total, 0, 'ids are case-sensitive');
    assert.deepEqual((await store.list({ team_id: 'Team-L', user_id: 'bob' })).keys.map((k) => k.key_alias), ['list-1']);
    assert.deepEqual((await store.list({ key_alias: 'list-4' })).keys.map((k) => k.key_id), [made[4]!.key_id]);
    const page2 = await store.list({ team_id: 'Team-L', page: 2, size: 2 });
    assert.deepEqual(page2.keys.map((k) => k.key_alias), ['list-0']);
    assert.equal(page2.total, 3);
    assert.ok((await store.count()) >= 5);
    const removed = await store.deleteByAlias(['list-0', 'list-1', 'list-2', 'list-3', 'list-4']);
    assert.equal(removed.length, 5);
    assert.equal((await store.list({ team_id: 'Team-L' })).total, 0);
  });

  void it('rejects a duplicate alias, a bad expiry and the tag separator', async () => {
    const { record } = await store.generate({ key_alias: 'unique-one' });
    await assert.rejects(store.generate({ key_alias: 'unique-one' }), (e: unknown) => e instanceof KeyStoreError && e.code === 'conflict');
    const other = await store.generate({ key_alias: 'unique-two' });
    await assert.rejects(store.update(other.record.key_id, { key_alias: 'unique-one' }), /already in use/);
    await assert.rejects(store.generate({ expires: 'tomorrow' }), (e: unknown) => e instanceof KeyStoreError && e.code === 'invalid');
    await assert.rejects(store.generate({ team_id: 'a|b' }), /must not contain/);
    const custom = await store.generate({ key: 'sk-litellm-migrated-key-0001' });
    assert.equal(custom.key, 'sk-litellm-migrated-key-0001');
    await assert.rejects(store.generate({ key: 'sk-litellm-migrated-key-0001' }), /already exists/);
    await store.delete([record.key_id, other.record.key_id, custom.record.key_id]);
  });

  void it('publishes invalidations so other processes drop cached keys at once', async () => {
    const other = KeyStore.open(url!, { prefix });
    const seen: string[] = [];
    try {
      await other.subscribe((h) => seen.push(h));
      const { record } = await store.generate({ key_alias: 'inval' });
      await store.update(record.key_id, { blocked: true });
      const rotated = await store.rotate(record.key_id);
      await store.delete([rotated.record.key_id]);
      for (let i = 0; i < 50 && seen.length < 3; i++) await sleep(20);
      assert.deepEqual(seen, [record.key_hash, record.key_hash, rotated.record.key_hash]);
    } finally {
      await other.close();
    }
  });

  void it('reports an unreachable Redis as "unavailable", fast', async () => {
    const dead = KeyStore.open('redis://127.0.0.1:1', { prefix, opTimeoutMs: 1000 });
    try {
      const t0 = Date.now();
      await assert.rejects(dead.lookup(hashKey('sk-x')), (e: unknown) => e instanceof KeyStoreError && e.code === 'unavailable');
      await assert.rejects(dead.generate({}), (e: unknown) => e instanceof KeyStoreError && e.code === 'unavailable');
      assert.ok(Date.now() - t0 < 1500);
    } finally {
      await dead.close();
    }
  });
});
