// The governance store on the real Redis: layout (one JSON per entity under a hash tag, a sorted set per kind),
// getMany in one round trip, validation, null clearing, memberships kept on both sides, concurrent updates without
// lost writes, put (importer upsert), invalidation messages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRedis, masters, scanKeys, unlinkKeys, type RedisClient as Redis } from '../../lib/redis.ts';
import { GovernanceStore } from '../../core/governance/store.ts';
import type { GovernanceError } from '../../core/governance/errors.ts';
import { entityInvalidationChannel, type EntityRef } from '../../core/governance/entities.ts';
import { waitFor } from '../helpers/processes.ts';

const url = process.env.HELIX_REDIS_URL ?? 'redis://127.0.0.1:6379';

const code = (err: unknown) => (err as GovernanceError).code;

void describe('governance store (real Redis)', () => {
  const prefix = `test-gov-${randomBytes(4).toString('hex')}:`;
  let redis: Redis;
  let store: GovernanceStore;

  before(() => {
    redis = createRedis(url);
    store = new GovernanceStore(redis, { prefix });
  });
  after(async () => {
    await unlinkKeys(redis, await scanKeys(redis, `${prefix}*`));
    await store.close();
    redis.disconnect();
  });

  void it('stores one JSON string per entity under a hash tag and lists ids in a sorted set per kind', async () => {
    const team = await store.create('team', 'eng', { alias: 'Engineering', max_budget: 10, budget_duration: '30d', rpm_limit: 60, models: ['gpt-4o', 'claude-*'], metadata: { cc: 'r&d' } });
    assert.equal(team.kind, 'team');
    assert.deepEqual(team.members, []);
    const raw = await redis.get(`${prefix}gov:{team:eng}`);
    assert.deepEqual(JSON.parse(raw!), team);
    assert.ok((await redis.zscore(`${prefix}gov:team:ids`, 'eng')) !== null);
    await assert.rejects(store.create('team', 'eng'), (err) => code(err) === 'conflict');
  });

  void it('getMany answers in order in one pipeline; absent, wrong-kind and unstorable ids are undefined', async () => {
    await store.create('customer', 'cust-1', { max_budget: 1 });
    await store.create('tag', 'prod', { description: 'production traffic' });
    const monitors = await Promise.all(masters(redis).map((node) => node.monitor()));
    const seen: string[] = [];
    for (const monitor of monitors) monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
    const refs: EntityRef[] = [
      { kind: 'team', id: 'eng' },
      { kind: 'user', id: 'nobody' },
      { kind: 'customer', id: 'cust-1' },
      { kind: 'tag', id: 'prod' },
      { kind: 'tag', id: 'x'.repeat(300) },
      { kind: 'customer', id: 'bad\nid' },
    ];
    const got = await store.getMany(refs);
    await new Promise((r) => setTimeout(r, 100));
    for (const monitor of monitors) monitor.disconnect();
    assert.deepEqual(got.map((r) => r?.id), ['eng', undefined, 'cust-1', 'prod', undefined, undefined]);
    assert.equal(seen.filter((s) => s.startsWith('get ')).length, 4, 'only storable ids are asked, with plain GETs');
    assert.deepEqual(await store.getMany([]), []);
  });

  void it('validates ids, budgets, periods, limits, models and metadata', async () => {
    const bad = async (p: Promise<unknown>, field: string) =>
      assert.rejects(p, (err) => code(err) === 'invalid' && (err as GovernanceError).field === field, field);
    await bad(store.create('team', ''), 'id');
    await bad(store.create('team', 'x'.repeat(257)), 'id');
    await bad(store.create('user', 'a\u0000b'), 'id');
    await bad(store.addMembers('eng', [{ user_id: 'x', role: 'owner' as 'admin' }]), 'member.role');
    await bad(store.create('team', 't-bad', { max_budget: -1 }), 'max_budget');
    await bad(store.create('team', 't-bad', { rpm_limit: 1.5 }), 'rpm_limit');
    await bad(store.create('team', 't-bad', { budget_duration: 'fortnight' }), 'budget_duration');
    await bad(store.create('team', 't-bad', { models: Array.from({ length: 1001 }, (_, i) => `m${i}`) }), 'models');
    await bad(store.create('team', 't-bad', { metadata: { blob: 'x'.repeat(40_000) } }), 'metadata');
    assert.equal(await store.get('team', 't-bad'), undefined, 'nothing stored on a refusal');
  });

  void it('update applies changes, null clears, and reports the changed fields', async () => {
    const { record, changed } = await store.update('team', 'eng', { rpm_limit: 120, models: null, alias: null, tpm_limit: 1000 });
    assert.deepEqual(changed.sort(), ['alias', 'models', 'rpm_limit', 'tpm_limit']);
    assert.equal(record.rpm_limit, 120);
    assert.deepEqual(record.models, []);
    assert.equal('alias' in record, false);
    const same = await store.update('team', 'eng', { rpm_limit: 120 });
    assert.deepEqual(same.changed, []);
    await assert.rejects(store.update('team', 'missing', { rpm_limit: 1 }), (err) => code(err) === 'not_found');
  });

  void it('keeps memberships on both sides: member add, remove, user with teams, team and user deletion', async () => {
    await store.create('team', 'ops');
    await store.create('user', 'ann', { email: 'ann@example.com' });
    const { team, users } = await store.addMembers('ops', [{ user_id: 'ann', role: 'admin' }, { user_id: 'bob', role: 'user' }]);
    assert.deepEqual(team.members?.map((m) => m.user_id), ['ann', 'bob']);
    assert.deepEqual(users.map((u) => u.teams), [['ops'], ['ops']]);
    assert.equal((await store.get('user', 'bob'))?.kind, 'user', 'a member without a user entity gets one');
    await assert.rejects(store.addMembers('ops', [{ user_id: 'ann', role: 'user' }]), (err) => code(err) === 'conflict');

    await store.removeMember('ops', 'bob');
    assert.deepEqual((await store.get('user', 'bob'))?.teams, []);
    await assert.rejects(store.removeMember('ops', 'bob'), (err) => code(err) === 'invalid');

    const carl = await store.create('user', 'carl', {}, { teams: ['ops', 'eng'] });
    assert.deepEqual(carl.teams, ['ops', 'eng']);
    assert.ok((await store.get('team', 'eng'))?.members?.some((m) => m.user_id === 'carl'));
    await assert.rejects(store.create('user', 'dora', {}, { teams: ['no-such-team'] }), (err) => code(err) === 'not_found');

    await store.delete('team', ['ops']);
    assert.deepEqual((await store.get('user', 'ann'))?.teams, []);
    assert.deepEqual((await store.get('user', 'carl'))?.teams, ['eng']);
    await store.delete('user', ['carl']);
    assert.ok(!(await store.get('team', 'eng'))?.members?.some((m) => m.user_id === 'carl'));
  });

  void it('concurrent updates of one entity lose nothing (compare-and-set)', async () => {
    await store.create('team', 'busy');
    const others = Array.from({ length: 20 }, () => GovernanceStore.open(url, { prefix }));
    try {
      await Promise.all(others.map((s, i) => s.addMembers('busy', [{ user_id: `u${i}`, role: 'user' }])));
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
    assert.equal((await store.get('team', 'busy'))?.members?.length, 20);
  });

  void it('lists newest first with paging; put upserts a record as given (validated)', async () => {
    for (let i = 0; i < 5; i++) await store.put({ kind: 'tag', id: `t${i}`, models: [], blocked: false, metadata: {}, created_at: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(), updated_at: new Date().toISOString() });
    const first = await store.list('tag', { page: 1, size: 2 });
    assert.equal(first.total, 6);
    assert.deepEqual(first.records.map((r) => r.id), ['prod', 't4']);
    const last = await store.list('tag', { page: 3, size: 2 });
    assert.deepEqual(last.records.map((r) => r.id), ['t1', 't0']);
    await store.put({ kind: 'tag', id: 't0', models: ['a'], blocked: true, metadata: {}, created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-02T00:00:00Z', max_budget: 5, budget_duration: '1mo' });
    const t0 = await store.get('tag', 't0');
    assert.equal(t0?.max_budget, 5);
    assert.equal(t0?.blocked, true);
    await assert.rejects(store.put({ kind: 'tag', id: 't9', models: [], blocked: false, metadata: {}, created_at: 'soon', updated_at: '' }), (err) => code(err) === 'invalid');
  });

  void it('announces every change as <kind>:<id> on the invalidation channel', async () => {
    const seen: EntityRef[] = [];
    const listener = new GovernanceStore(redis, { prefix });
    await listener.subscribe((ref) => seen.push(ref));
    // On a Redis Cluster a message reaches the other nodes' subscribers a moment later, so earlier tests' may still
    // arrive: once a message sent now has, they are through.
    const raw = createRedis(url);
    await raw.publish(entityInvalidationChannel(prefix), 'team:sentinel');
    await waitFor('the sentinel message', async () => seen.some((r) => r.id === 'sentinel'), 5_000, 10);
    seen.length = 0;
    await store.update('customer', 'cust-1', { blocked: true });
    await store.delete('tag', ['t1']);
    await raw.publish(entityInvalidationChannel(prefix), 'team:with:colon');
    raw.disconnect();
    await new Promise((r) => setTimeout(r, 200));
    await listener.close();
    // Sorted: on a cluster each PUBLISH may go through another node, so they can arrive in another order.
    assert.deepEqual(seen.map((r) => `${r.kind} ${r.id}`).sort(), ['customer cust-1', 'tag t1', 'team with:colon']);
  });

  void it('fails as unavailable, not with a crash, when Redis is away', async () => {
    const dead = GovernanceStore.open('redis://127.0.0.1:1', { prefix, opTimeoutMs: 500 });
    await assert.rejects(dead.getMany([{ kind: 'team', id: 'eng' }], 300), (err) => code(err) === 'unavailable');
    await assert.rejects(dead.get('team', 'eng'), (err) => code(err) === 'unavailable');
    await dead.close();
  });
});
