// Enforcement for teams, users, customers (end users) and tags, module by module: the budgets of a request
// (budgetsFor, scopes), who a request is attributed to (the `user` field, metadata.tags, the tag headers, and what
// goes upstream), the entity cache (one read, TTL, invalidation, last known good), the governance checks (blocked,
// models, the store down) and the ledger's bookings for end users and tags.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EntityRecord, EntityRef } from '../../core/governance/entities.ts';
import { budgetScopes, budgetsFor, spendScopes } from '../../core/budgets/scopes.ts';
import { budgetSettings } from '../../schemas/config/budgets.ts';
import { attributionOf, upstreamMetadata } from '../../gateway/governance/attribution.ts';
import { EntityCache } from '../../gateway/governance/entity-cache.ts';
import { createGovernance } from '../../gateway/governance/governance.ts';
import { GatewayError } from '../../gateway/errors.ts';
import { budgetDefaults } from '../../gateway/budgets/cost-control.ts';
import { PriceBook } from '../../core/prices.ts';
import { bookingOf, countersOf } from '../../consumers/ledger/entries.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import { responseEvent } from '../../gateway/pipeline/events.ts';

function entity(kind: EntityRecord['kind'], id: string, fields: Partial<EntityRecord> = {}): EntityRecord {
  return { kind, id, models: [], blocked: false, metadata: {}, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', ...fields };
}

const gatewayError = (code: string, status: number, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof GatewayError, String(err));
  assert.equal(err.code, code);
  assert.equal(err.status, status);
  if (message) assert.match(err.message, message);
  return true;
};

void describe('budgets of a request: key, user, team, customer, tags, global', () => {
  const settings = budgetSettings({ teams: { t1: { max_budget: 100, budget_duration: 'monthly' } }, users: { u1: { max_budget: 5 } }, global: { max_budget: 1000 } });

  void it('collects every scope in order, a record winning over config for teams and users', () => {
    const budgets = budgetsFor(
      {
        keyId: 'key_1',
        alias: 'ci',
        maxBudget: 10,
        budgetDuration: '1d',
        userId: 'u1',
        teamId: 't1',
        endUser: 'c9',
        tags: ['prod', 'batch', 'free'],
        entities: {
          team: entity('team', 't1', { max_budget: 50, budget_duration: '7d' }),
          user: entity('user', 'u1'), // no budget of its own: config's applies
          customer: entity('customer', 'c9', { max_budget: 2, budget_duration: 'daily' }),
          tags: [entity('tag', 'prod', { max_budget: 20 }), entity('tag', 'batch')],
        },
      },
      settings,
    );
    assert.deepEqual(
      budgets.map((b) => [b.scope, b.limitNano, b.duration, b.label]),
      [
        ['key:key_1', 10e9, '1d', 'key ci'],
        ['user:u1', 5e9, '', 'user u1'],
        ['team:t1', 50e9, '7d', 'team t1'],
        ['customer:c9', 2e9, 'daily', 'customer c9'],
        ['tag:prod', 20e9, '', 'tag prod'],
        ['global', 1000e9, '', 'global'],
      ],
    );
  });

  void it("gives an end user without a budget of its own LiteLLM's max_end_user_budget (lifetime)", () => {
    const defaults = budgetDefaults({ litellm_settings: { max_end_user_budget: 0.5 } });
    assert.deepEqual(defaults, { endUser: { max_budget: 0.5 } });
    const holder = { keyId: '', userId: '', teamId: '', endUser: 'anyone' };
    assert.deepEqual(budgetsFor(holder, budgetSettings(), defaults).map((b) => [b.scope, b.limitNano, b.duration]), [['customer:anyone', 0.5e9, '']]);
    // A customer's own budget wins; no end user, no customer budget.
    const own = { ...holder, entities: { customer: entity('customer', 'anyone', { max_budget: 3 }), tags: [] } };
    assert.equal(budgetsFor(own, budgetSettings(), defaults)[0]?.limitNano, 3e9);
    assert.deepEqual(budgetsFor({ ...holder, endUser: '' }, budgetSettings(), defaults), []);
    assert.deepEqual(budgetDefaults({ litellm_settings: {} }), {});
  });

  void it('names the budget whose duration cannot be enforced, and ignores ids that are no config entry', () => {
    const holder = { keyId: '', userId: '', teamId: '', tags: ['x'], entities: { tags: [entity('tag', 'x', { max_budget: 1, budget_duration: 'soon' })] } };
    assert.throws(() => budgetsFor(holder, budgetSettings()), /tag x: invalid budget_duration "soon"/);
    assert.deepEqual(budgetsFor({ keyId: '', userId: 'constructor', teamId: '__proto__' }, budgetSettings()), []);
  });

  void it('charges each scope once: customer and every distinct tag, then the model', () => {
    const tenant = { keyId: 'k', userId: '', teamId: 't', endUser: 'c9', tags: ['a', 'b', 'a'], model: 'gpt' };
    assert.deepEqual(budgetScopes(tenant), ['key:k', 'team:t', 'customer:c9', 'tag:a', 'tag:b', 'global']);
    assert.deepEqual(spendScopes(tenant), ['key:k', 'team:t', 'customer:c9', 'tag:a', 'tag:b', 'global', 'model:gpt']);
  });
});

void describe('attribution: end user and tags', () => {
  const none = {};

  void it("reads OpenAI's user, Anthropic's metadata.user_id and tags from metadata and both headers, deduplicated", () => {
    assert.deepEqual(attributionOf({ user: 'c9', metadata: { tags: ['prod', ' batch ', 'prod'] } }, { 'x-helix-tags': 'batch, eu,', 'x-litellm-tags': 'prod,ci' }, 'openai'), {
      endUser: 'c9',
      tags: ['prod', 'batch', 'eu', 'ci'],
    });
    assert.deepEqual(attributionOf({ metadata: { user_id: 'a1', tags: ['x'] } }, none, 'anthropic'), { endUser: 'a1', tags: ['x'] });
    // Anthropic's wire has no `user`; OpenAI's metadata.user_id is not the end user.
    assert.deepEqual(attributionOf({ user: 'c9' }, none, 'anthropic'), { endUser: '', tags: [] });
    assert.deepEqual(attributionOf({ metadata: { user_id: 'a1' } }, none, 'openai'), { endUser: '', tags: [] });
    assert.deepEqual(attributionOf({ user: '', metadata: null }, none, 'openai'), { endUser: '', tags: [] });
    // Where metadata is a map of strings (the Responses API), tags are one comma-separated string.
    assert.deepEqual(attributionOf({ metadata: { tags: 'prod, eu,' } }, none, 'openai'), { endUser: '', tags: ['prod', 'eu'] });
  });

  void it('refuses hostile values with a 400 naming the field', () => {
    const bad = (body: unknown, headers: Record<string, string>, shape: 'openai' | 'anthropic', param: string) =>
      assert.throws(() => attributionOf(body, headers, shape), (err: unknown) => gatewayError('invalid_request', 400)(err) && (err as GatewayError).extra.param === param);
    bad({ user: 'x'.repeat(257) }, none, 'openai', 'user');
    bad({ user: 'evil\nuser' }, none, 'openai', 'user');
    bad({ user: 42 }, none, 'openai', 'user');
    bad({ metadata: { user_id: 'a\u0000b' } }, none, 'anthropic', 'metadata.user_id');
    bad({ metadata: { tags: 7 } }, none, 'openai', 'metadata.tags');
    bad({ metadata: { tags: Array.from({ length: 33 }, (_, i) => `t${i}`).join(',') } }, none, 'openai', 'metadata.tags');
    bad({ metadata: { tags: ['ok', 7] } }, none, 'openai', 'metadata.tags');
    bad({ metadata: { tags: ['t'.repeat(65)] } }, none, 'openai', 'metadata.tags');
    bad({ metadata: { tags: ['a\u0085b'] } }, none, 'openai', 'metadata.tags');
    bad({ metadata: { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) } }, none, 'openai', 'metadata.tags');
    bad({}, { 'x-helix-tags': Array.from({ length: 40 }, (_, i) => `h${i}`).join(',') }, 'openai', 'x-helix-tags');
    bad({}, { 'x-litellm-tags': 'a\tb' }, 'anthropic', 'x-litellm-tags');
    // 32 distinct tags, many repeats: fine.
    const many = Array.from({ length: 320 }, (_, i) => `t${i % 32}`);
    assert.equal(attributionOf({ metadata: { tags: many } }, none, 'openai').tags.length, 32);
  });

  void it('sends upstream only the metadata a provider accepts', () => {
    const untouched = { model: 'm', metadata: { trace: 'abc' } };
    assert.equal(upstreamMetadata(untouched, 'openai'), untouched);
    assert.deepEqual(upstreamMetadata({ model: 'm', metadata: { tags: ['a'], trace: 'abc', nested: { x: 1 } } }, 'openai'), { model: 'm', metadata: { trace: 'abc' } });
    assert.deepEqual(upstreamMetadata({ model: 'm', metadata: { tags: ['a'] } }, 'openai'), { model: 'm' });
    assert.deepEqual(upstreamMetadata({ model: 'm', metadata: { user_id: 'u', tags: ['a'], other: 'x' } }, 'anthropic'), { model: 'm', metadata: { user_id: 'u' } });
    assert.deepEqual(upstreamMetadata({ model: 'm' }, 'anthropic'), { model: 'm' });
  });
});

void describe('entity cache', () => {
  function counting(records: EntityRecord[]) {
    const calls: EntityRef[][] = [];
    let failing = false;
    return {
      calls,
      fail: (on: boolean) => (failing = on),
      reader: {
        async getMany(refs: EntityRef[]) {
          calls.push(refs);
          await new Promise((r) => setTimeout(r, 5));
          if (failing) throw new Error('redis down');
          return refs.map((ref) => records.find((r) => r.kind === ref.kind && r.id === ref.id));
        },
      },
    };
  }

  void it('reads once for concurrent requests, remembers absence, expires after the TTL and drops invalidated records', async () => {
    let now = 0;
    const store = counting([entity('team', 't1')]);
    const cache = new EntityCache(store.reader, { ttlMs: 1000, now: () => now });
    const refs: EntityRef[] = [{ kind: 'team', id: 't1' }, { kind: 'customer', id: 'nobody' }];
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.getMany(refs)));
    assert.equal(store.calls.length, 1);
    assert.ok(results.every((r) => r[0]?.id === 't1' && r[1] === undefined));
    await cache.getMany(refs);
    assert.equal(store.calls.length, 1, 'fresh copies and known absences need no read');
    cache.invalidate({ kind: 'team', id: 't1' });
    await cache.getMany(refs);
    assert.deepEqual(store.calls[1], [{ kind: 'team', id: 't1' }], 'only the invalidated record is read again');
    now += 1001;
    await cache.getMany(refs);
    assert.equal(store.calls[2]?.length, 2, 'after the TTL both are read again, in one call');
  });

  void it('serves last-known-good copies while the store is down, and fails for what it never saw', async () => {
    let now = 0;
    const store = counting([entity('tag', 'prod')]);
    const cache = new EntityCache(store.reader, { ttlMs: 1000, staleMs: 10_000, now: () => now });
    await cache.getMany([{ kind: 'tag', id: 'prod' }]);
    store.fail(true);
    now += 5000;
    assert.equal((await cache.getMany([{ kind: 'tag', id: 'prod' }]))[0]?.id, 'prod');
    await assert.rejects(cache.getMany([{ kind: 'tag', id: 'other' }]), /redis down/);
    now += 10_000;
    await assert.rejects(cache.getMany([{ kind: 'tag', id: 'prod' }]), /redis down/);
  });

  void it('stays within its bound', async () => {
    const cache = new EntityCache({ getMany: async (refs) => refs.map(() => undefined) }, { maxEntries: 100 });
    for (let i = 0; i < 300; i++) await cache.getMany([{ kind: 'customer', id: `c${i}` }]);
    assert.equal(cache.size, 100);
  });
});

void describe('governance checks', () => {
  const records = [
    entity('team', 'research', { models: ['mock/*'] }),
    entity('team', 'frozen', { blocked: true }),
    entity('customer', 'banned', { blocked: true }),
    entity('tag', 'legacy', { blocked: true }),
    entity('tag', 'cheap', { models: ['mock/fixed'] }),
  ];
  const reads: EntityRef[][] = [];
  const governance = createGovernance({
    failOpen: false,
    entities: {
      async getMany(refs) {
        reads.push(refs);
        return refs.map((ref) => records.find((r) => r.kind === ref.kind && r.id === ref.id));
      },
    },
  });
  const subjects = (s: Partial<{ teamId: string; userId: string; endUser: string; tags: string[] }>) => ({ teamId: '', userId: '', endUser: '', tags: [], ...s });

  void it('looks nothing up for a request that names nobody, and finds the records of one that does', async () => {
    assert.equal(await governance.resolve(subjects({})), undefined);
    assert.equal(reads.length, 0);
    const e = await governance.resolve(subjects({ teamId: 'research', endUser: 'someone', tags: ['cheap', 'unknown'] }));
    assert.equal(reads.length, 1);
    assert.equal(e?.team?.id, 'research');
    assert.equal(e?.customer, undefined);
    assert.deepEqual(e?.tags.map((t) => t.id), ['cheap']);
  });

  void it("refuses blocked records (a customer with LiteLLM's 400) and models a record does not allow (403)", async () => {
    const admit = async (s: Parameters<typeof subjects>[0], model: string) => governance.admit((await governance.resolve(subjects(s)))!, model);
    await assert.rejects(admit({ endUser: 'banned' }, 'mock/echo'), gatewayError('invalid_request', 400, /^User blocked from making LLM API Calls\. User=banned$/));
    await assert.rejects(admit({ teamId: 'frozen' }, 'mock/echo'), gatewayError('forbidden', 403, /Team=frozen is blocked/));
    await assert.rejects(admit({ tags: ['legacy'] }, 'mock/echo'), gatewayError('forbidden', 403, /Tag=legacy is blocked/));
    await assert.rejects(admit({ teamId: 'research' }, 'gpt-4o'), gatewayError('model_not_allowed', 403, /team research is not allowed to use model "gpt-4o"/));
    await assert.rejects(admit({ teamId: 'research', tags: ['cheap'] }, 'mock/echo'), gatewayError('model_not_allowed', 403, /tag cheap/));
    await admit({ teamId: 'research', tags: ['cheap'] }, 'mock/fixed');
  });

  void it('with the store down: 429 when budgets fail closed, no records when they fail open', async () => {
    const down = { getMany: () => Promise.reject(new Error('redis down')) };
    await assert.rejects(createGovernance({ entities: down, failOpen: false }).resolve(subjects({ endUser: 'c' })), gatewayError('budget_exceeded', 429));
    assert.equal(await createGovernance({ entities: down, failOpen: true }).resolve(subjects({ endUser: 'c' })), undefined);
  });
});

void describe('ledger bookings of end users and tags', () => {
  void it('books the end user and each tag, and the entry carries them', () => {
    const prices = new PriceBook([{ model_name: 'm', litellm_params: { model: 'mock/echo', input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } }]);
    const trace = Object.assign(newTrace('/v1/chat/completions'), { keyId: 'k1', model: 'm', provider: 'mock', deployment: 'm#0', endUser: 'c9', tags: ['prod', 'eu'] });
    trace.usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    const booking = bookingOf({ kind: 'response', event: responseEvent(trace) }, prices)!;
    assert.equal(booking.entry.end_user, 'c9');
    assert.deepEqual(booking.entry.tags, ['prod', 'eu']);
    const scopes = new Set(countersOf(booking, new Map(), []).map((c) => c.scope));
    for (const s of ['key:k1', 'customer:c9', 'tag:prod', 'tag:eu', 'global', 'model:m']) assert.ok(scopes.has(s), s);
  });
});
