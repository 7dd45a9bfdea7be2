// The LiteLLM-compatible admin API for teams, users, customers (end users) and tags, through real gateways on the
// real Redis: LiteLLM's request and response shapes, validation errors in the error shape, 401/403 for non-admins,
// memberships kept on both sides, keys listed and deleted with their team or user, paging, spend from the
// SpendLookup, audit events, two gateways sharing one store (one of them a real gateway process) and `helix teams|
// users|customers|tags`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { Value } from '@sinclair/typebox/value';
import { KeyStore } from '../../core/keys/key-store.ts';
import { createAuth, type Auth } from '../../gateway/auth/authenticate.ts';
import { buildApp, createRouter } from '../../gateway/app.ts';
import { GovernanceStore } from '../../core/governance/store.ts';
import type { SpendLookup } from '../../core/governance/entities.ts';
import { parseConfig, runtimeEnv } from '../../lib/config.ts';
import { AuditEvent } from '../../schemas/events/audit.ts';
import { runGovernanceCommand } from '../../cli/governance.ts';
import { repoRoot } from '../../lib/paths.ts';
import { freePorts } from '../../stack/ports.ts';
import { spawnHelix, waitFor, type HelixProcess } from '../helpers/processes.ts';

const url = process.env.HELIX_REDIS_URL!;
const MASTER = 'sk-helix-governance-master';
const prefix = `test-gov-${randomBytes(4).toString('hex')}:`;

type Json = Record<string, unknown>;
interface Published {
  topic: string;
  key: string;
  value: Json;
}

interface Gateway {
  app: FastifyInstance;
  base: string;
  keyStore: KeyStore;
  store: GovernanceStore;
  auth: Auth;
  redis: Redis;
}

/** A gateway on the mock models with its own connections to the shared Redis (as a second process would have). */
async function gateway(deps: { spend?: SpendLookup; published?: Published[] } = {}): Promise<Gateway> {
  const models = [{ model_name: 'mock/echo', litellm_params: { model: 'mock/echo' } }];
  const config = { ...parseConfig({ model_list: models }), env: runtimeEnv({}) };
  const keyStore = KeyStore.open(url, { prefix });
  const redis = new Redis(url);
  const store = new GovernanceStore(redis, { prefix });
  const auth = createAuth({ masterKey: MASTER, store: keyStore });
  const app = await buildApp({
    config,
    events: { emit: () => undefined },
    router: createRouter(config),
    health: { shuttingDown: () => false, components: async () => ({}) },
    auth,
    keyStore,
    governanceStore: store,
    ...(deps.spend ? { spend: deps.spend } : {}),
    publish: (topic, key, value) => deps.published?.push({ topic, key, value: value as Json }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, keyStore, store, auth, redis };
}

const json = { 'content-type': 'application/json' };
const asMaster = { authorization: `Bearer ${MASTER}`, ...json };

async function call(base: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = asMaster) {
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Json & Json[] };
}

/** Asserts a 400 in the admin API's error shape, naming `param` when given. */
function assertInvalid(res: { status: number; body: Json }, param?: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  const error = res.body.error as Json;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(error.type, 'invalid_request_error');
  if (param !== undefined) assert.equal(error.param, param, JSON.stringify(error));
}

void describe('governance admin API (teams, users, customers, tags)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  const published: Published[] = [];
  const spends: Record<string, number> = { 'team:t-eng': 12.5, 'user:u-1': 4.2, 'customer:cust-1': 3.25, 'tag:prod': 7 };
  const spendAsked: string[] = [];
  const spend: SpendLookup = {
    spend: async ({ kind, id }) => {
      spendAsked.push(`${kind}:${id}`);
      if (id === 'ledger-down') throw new Error('clickhouse away');
      return spends[`${kind}:${id}`] ?? 0;
    },
  };
  let a: Gateway;
  let b: Gateway;
  const get = (path: string, gw = a) => call(gw.base, 'GET', path);
  const post = (path: string, body: unknown, gw = a) => call(gw.base, 'POST', path, body);
  const ok = async (res: Promise<{ status: number; body: Json & Json[] }>) => {
    const r = await res;
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    a = await gateway({ spend, published });
    b = await gateway();
  });
  after(async () => {
    for (const gw of [a, b]) {
      await gw.app.close();
      await gw.auth.close();
      await gw.keyStore.close();
      await gw.store.close();
      gw.redis.disconnect();
    }
    const raw = createClient({ url });
    await raw.connect();
    await raw.ft.dropIndex(`${prefix}key:index`).catch(() => undefined);
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length) await raw.del(keys);
    await raw.quit();
  });

  void it('is admin-only: 401 without or with a wrong key, 403 for a virtual key, before any body validation', async () => {
    for (const [method, path] of [['POST', '/team/new'], ['GET', '/team/list'], ['GET', '/user/info?user_id=x'], ['POST', '/customer/new'], ['GET', '/tag/list'], ['POST', '/end_user/block']] as const) {
      const none = await call(a.base, method, path, method === 'POST' ? {} : undefined, json);
      assert.equal(none.status, 401, path);
      assert.equal((none.body.error as Json).code, 'invalid_api_key');
      assert.equal((await call(a.base, method, path, method === 'POST' ? {} : undefined, { authorization: 'Bearer sk-wrong', ...json })).status, 401);
    }
    const { key } = await a.keyStore.generate({ key_alias: `not-admin-${randomBytes(3).toString('hex')}` });
    // The first lookup of a new key may miss the auth stage's short Redis timeout on a loaded machine (then 401).
    const forbidden = await waitFor('403 for a virtual key', async () => {
      const res = await call(a.base, 'POST', '/team/new', { team_id: 'x' }, { authorization: `Bearer ${key}`, ...json });
      return res.status === 403 && res;
    }, 5_000);
    assert.equal((forbidden.body.error as Json).type, 'permission_error');
    assert.equal((await call(a.base, 'GET', '/customer/list', undefined, { authorization: `Bearer ${key}` })).status, 403);
    assert.equal((await call(a.base, 'POST', '/team/new', { max_budget: 'lots' }, json)).status, 401);
    assert.equal(await a.store.get('team', 'x'), undefined);
  });

  void it('teams: new, info (keys, spend), update, block, list, v2 list, delete (with its keys) in LiteLLM shapes', async () => {
    published.length = 0;
    const team = await ok(post('/team/new', { team_id: 't-eng', team_alias: 'Engineering', max_budget: 100, budget_duration: '30d', rpm_limit: 600, tpm_limit: 100_000, models: ['mock/echo', 'gpt-4*'], metadata: { cost_center: 'r&d' }, organization_id: 'ignored', guardrails: ['ignored'] }));
    assert.equal(team.team_id, 't-eng');
    assert.equal(team.team_alias, 'Engineering');
    assert.equal(team.max_budget, 100);
    assert.equal(team.budget_duration, '30d');
    assert.ok(Date.parse(team.budget_reset_at as string) > Date.now());
    assert.deepEqual(team.models, ['mock/echo', 'gpt-4*']);
    assert.deepEqual(team.members_with_roles, []);
    assert.equal(team.blocked, false);
    assert.deepEqual(team.metadata, { cost_center: 'r&d' });
    assert.equal(team.organization_id, null);
    assert.equal('spend' in team, false, 'only the info routes report spend');
    assertInvalid(await post('/team/new', { team_id: 't-eng' }));

    const generated = await ok(post('/team/new', { team_alias: 'no id given' }));
    assert.match(generated.team_id as string, /^[0-9a-f-]{36}$/);

    const key = await ok(post('/key/generate', { team_id: 't-eng', key_alias: `eng-key-${randomBytes(3).toString('hex')}` }));
    const info = await ok(get('/team/info?team_id=t-eng'));
    assert.equal(info.team_id, 't-eng');
    const teamInfo = info.team_info as Json;
    assert.equal(teamInfo.spend, 12.5);
    assert.equal(teamInfo.rpm_limit, 600);
    assert.deepEqual((info.keys as unknown as Json[]).map((k) => k.key_id), [key.key_id]);
    assert.ok(!JSON.stringify(info).includes(key.key as string), 'info never shows a secret');
    assert.deepEqual(info.team_memberships, []);
    assert.equal((await get('/team/info?team_id=t-missing')).status, 404);
    assertInvalid(await get('/team/info'), 'team_id');

    const upd = await ok(post('/team/update', { team_id: 't-eng', rpm_limit: 1200, models: null, team_alias: 'Eng', max_parallel_requests: 3 }));
    assert.equal(upd.team_id, 't-eng');
    assert.deepEqual((upd.changed_fields as string[]).sort(), ['models', 'rpm_limit', 'team_alias']);
    assert.equal((upd.data as Json).rpm_limit, 1200);
    assert.deepEqual((upd.data as Json).models, []);
    assert.equal((upd.data as Json).max_budget, 100, 'fields left out keep their value');
    assert.equal((await post('/team/update', { team_id: 't-missing', rpm_limit: 1 })).status, 404);

    assert.equal((await ok(post('/team/block', { team_id: 't-eng' }))).blocked, true);
    assert.equal((await a.store.get('team', 't-eng'))?.blocked, true);
    assert.equal((await ok(post('/team/unblock', { team_id: 't-eng' }))).blocked, false);
    assert.equal((await post('/team/block', { team_id: 't-missing' })).status, 404);

    const all = await ok(get('/team/list'));
    assert.ok(Array.isArray(all));
    assert.ok(all.some((t) => t.team_id === 't-eng' && t.team_alias === 'Eng'));
    const paged = await ok(get('/v2/team/list?page=1&page_size=1'));
    assert.equal((paged.teams as Json[]).length, 1);
    assert.equal(paged.page_size, 1);
    assert.equal(paged.total_pages, paged.total);

    const deleted = await ok(post('/team/delete', { team_ids: ['t-eng', generated.team_id] }));
    assert.deepEqual(deleted.deleted_teams, ['t-eng', generated.team_id]);
    assert.equal(deleted.deleted_keys, 1);
    assert.equal((await get(`/key/info?key=${key.key_id as string}`)).status, 404, "the team's key is deleted with it");
    assert.equal((await get('/team/info?team_id=t-eng')).status, 404);
    assert.equal((await post('/team/delete', { team_ids: ['t-eng'] })).status, 404);

    for (const p of published) assert.ok(Value.Check(AuditEvent, p.value), JSON.stringify([...Value.Errors(AuditEvent, p.value)][0]));
    const teamEvents = published.filter((p) => (p.value.action as string).startsWith('team.'));
    assert.deepEqual(teamEvents.map((p) => p.value.action), ['team.create', 'team.create', 'team.update', 'team.update', 'team.update', 'team.delete', 'team.delete']);
    assert.deepEqual(published.filter((p) => p.value.action === 'key.delete').map((p) => p.value.key_id), [key.key_id], "the team's key deletion is audited too");
    const created = teamEvents[0]!.value;
    assert.equal(teamEvents[0]!.key, 'team:t-eng');
    assert.equal(created.team_id, 't-eng');
    assert.equal(created.actor, 'master');
    assert.equal(JSON.parse(created.changes as string).team_alias, 'Engineering');
    assert.deepEqual((teamEvents[2]!.value.changed_fields as string[]).sort(), ['models', 'rpm_limit', 'team_alias']);
    const cleared = await ok(post('/team/new', { team_id: 't-clear', metadata: { a: 1 }, blocked: true }));
    assert.equal(cleared.blocked, true);
    const clearedUpd = (await ok(post('/team/update', { team_id: 't-clear', metadata: null, blocked: null }))).data as Json;
    assert.deepEqual([clearedUpd.metadata, clearedUpd.blocked], [{}, false]);
  });

  void it("team members: added and removed on both sides, the user's teams kept in step, by id or e-mail", async () => {
    await ok(post('/team/new', { team_id: 't-ops', members_with_roles: [{ user_id: 'ann', role: 'admin' }] }));
    assert.deepEqual((await a.store.get('user', 'ann'))?.teams, ['t-ops'], "LiteLLM creates a member's user");

    const added = await ok(post('/team/member_add', { team_id: 't-ops', member: { user_id: 'bob', role: 'user', user_email: 'bob@example.com' }, max_budget_in_team: 5 }));
    assert.deepEqual(added.members_with_roles, [
      { role: 'admin', user_id: 'ann', user_email: null },
      { role: 'user', user_id: 'bob', user_email: 'bob@example.com' },
    ]);
    assert.deepEqual(added.admins, ['ann']);
    assert.deepEqual(added.updated_users, [{ user_id: 'bob', teams: ['t-ops'] }]);
    assertInvalid(await post('/team/member_add', { team_id: 't-ops', member: { user_id: 'bob', role: 'user' } }));
    assert.equal((await post('/team/member_add', { team_id: 't-none', member: { user_id: 'bob' } })).status, 404);
    await ok(post('/team/member_add', { team_id: 't-ops', member: [{ user_id: 'carl' }, { user_id: 'dan', role: 'admin' }] }));

    const bobInfo = await ok(get('/user/info?user_id=bob'));
    assert.deepEqual((bobInfo.teams as Json[]).map((t) => t.team_id), ['t-ops']);
    assert.deepEqual((await ok(get('/team/list?user_id=ann'))).map((t) => t.team_id), ['t-ops']);
    const members = await ok(get('/user/list?team=t-ops'));
    assert.deepEqual((members.users as Json[]).map((u) => u.user_id).sort(), ['ann', 'bob', 'carl', 'dan']);

    const removed = await ok(post('/team/member_delete', { team_id: 't-ops', user_email: 'bob@example.com' }));
    assert.deepEqual(removed.members, ['ann', 'carl', 'dan']);
    assert.deepEqual(((await ok(get('/user/info?user_id=bob'))).user_info as Json).teams, []);
    assertInvalid(await post('/team/member_delete', { team_id: 't-ops', user_id: 'bob' }));
    assertInvalid(await post('/team/member_delete', { team_id: 't-ops' }), 'user_id');

    await ok(post('/user/delete', { user_ids: ['carl'] }));
    assert.deepEqual((await a.store.get('team', 't-ops'))?.members?.map((m) => m.user_id), ['ann', 'dan'], "a deleted user leaves its teams");
    await ok(post('/team/delete', { team_ids: ['t-ops'] }));
    assert.deepEqual((await a.store.get('user', 'ann'))?.teams, [], 'a deleted team leaves its users');
  });

  void it('users: new (with a key unless auto_create_key is false), info, update, list with paging, delete with keys', async () => {
    await ok(post('/team/new', { team_id: 't-x' }));
    const user = await ok(post('/user/new', { user_id: 'u-1', user_alias: 'Una', user_email: 'una@example.com', user_role: 'internal_user', max_budget: 5, budget_duration: '1mo', teams: ['t-x'], key_alias: `una-${randomBytes(3).toString('hex')}`, send_invite_email: false }));
    assert.equal(user.user_id, 'u-1');
    assert.equal(user.user_email, 'una@example.com');
    assert.equal(user.user_role, 'internal_user');
    assert.deepEqual(user.teams, ['t-x']);
    assert.match(user.key as string, /^sk-helix-/);
    assert.equal(((await ok(get(`/key/info?key=${encodeURIComponent(user.key as string)}`))).info as Json).user_id, 'u-1');
    assert.ok((await a.store.get('team', 't-x'))?.members?.some((m) => m.user_id === 'u-1'));

    const noKey = await ok(post('/user/new', { user_id: 'u-2', auto_create_key: false, team_id: 't-x' }));
    assert.equal(noKey.key, null);
    assert.deepEqual(noKey.teams, ['t-x'], "LiteLLM's single team_id");
    assert.deepEqual((await ok(post('/user/new', { user_id: 'u-4', auto_create_key: false, teams: [{ team_id: 't-x', max_budget_in_team: 1 }] }))).teams, ['t-x']);
    const boss = await ok(post('/user/new', { user_id: 'boss', user_role: 'proxy_admin' }));
    assert.equal((await call(a.base, 'GET', '/team/list', undefined, { authorization: `Bearer ${boss.key as string}` })).status, 403, 'user_role grants nothing');
    assert.equal((await post('/user/new', { user_id: 'u-3', teams: ['t-none'] })).status, 404);
    assert.equal(await a.store.get('user', 'u-3'), undefined);
    assertInvalid(await post('/user/new', { user_id: 'u-1' }));
    const generated = await ok(post('/user/new', { auto_create_key: false }));
    assert.match(generated.user_id as string, /^[0-9a-f-]{36}$/);

    const info = await ok(get('/user/info?user_id=u-1'));
    assert.equal(info.user_id, 'u-1');
    assert.equal((info.user_info as Json).spend, 4.2);
    assert.equal((info.user_info as Json).user_alias, 'Una');
    assert.equal((info.keys as unknown as Json[]).length, 1);
    assert.deepEqual((info.teams as Json[]).map((t) => t.team_id), ['t-x']);
    assert.equal((await get('/user/info?user_id=nobody')).status, 404);

    const upd = await ok(post('/user/update', { user_id: 'u-1', user_email: null, tpm_limit: 5000 }));
    assert.equal(upd.user_id, 'u-1');
    assert.deepEqual((upd.changed_fields as string[]).sort(), ['tpm_limit', 'user_email']);
    assert.equal((upd.data as Json).user_email, null);

    for (let i = 0; i < 5; i++) await ok(post('/user/new', { user_id: `u-page-${i}`, auto_create_key: false }));
    const first = await ok(get('/user/list?page=1&page_size=3'));
    const total = first.total as number;
    assert.ok(total >= 8);
    assert.equal(first.page_size, 3);
    assert.equal(first.total_pages, Math.ceil(total / 3));
    const seen: string[] = [];
    for (let page = 1; page <= (first.total_pages as number); page++) seen.push(...((await ok(get(`/user/list?page=${page}&page_size=3`))).users as Json[]).map((u) => u.user_id as string));
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total, 'pages do not overlap');
    assert.deepEqual(seen.slice(0, 5), ['u-page-4', 'u-page-3', 'u-page-2', 'u-page-1', 'u-page-0'], 'newest first');
    const byIds = await ok(get('/user/list?user_ids=u-1,u-2,nobody'));
    assert.deepEqual((byIds.users as Json[]).map((u) => u.user_id), ['u-1', 'u-2']);

    const del = await ok(post('/user/delete', { user_ids: ['u-1'] }));
    assert.deepEqual(del.deleted_users, ['u-1']);
    assert.equal(del.deleted_keys, 1);
    assert.equal((await get(`/key/info?key=${encodeURIComponent(user.key as string)}`)).status, 404);
    assert.ok(!(await a.store.get('team', 't-x'))?.members?.some((m) => m.user_id === 'u-1'));
    assert.equal((await post('/user/delete', { user_ids: ['u-1'] })).status, 404);
  });

  void it('customers (end users): new, info with spend, update, block (creating), unblock, list, delete; /end_user/* too', async () => {
    const cust = await ok(post('/customer/new', { user_id: 'cust-1', alias: 'Acme', max_budget: 50, budget_duration: '1d', rpm_limit: 10, models: ['mock/echo'], allowed_model_region: 'eu', budget_id: 'ignored' }));
    assert.equal(cust.user_id, 'cust-1');
    assert.equal(cust.alias, 'Acme');
    assert.equal(cust.blocked, false);
    assert.deepEqual({ ...(cust.litellm_budget_table as Json), budget_reset_at: null }, { max_budget: 50, tpm_limit: null, rpm_limit: 10, budget_duration: '1d', budget_reset_at: null });
    assertInvalid(await post('/customer/new', { user_id: 'cust-1' }));
    assertInvalid(await post('/customer/new', { alias: 'no id' }));

    const info = await ok(get('/customer/info?end_user_id=cust-1'));
    assert.equal(info.spend, 3.25);
    assert.equal(info.max_budget, 50);
    assert.equal((await ok(get('/end_user/info?end_user_id=cust-1'))).alias, 'Acme');
    assert.equal((await get('/customer/info?end_user_id=nobody')).status, 404);
    assertInvalid(await get('/customer/info'), 'end_user_id');

    const upd = await ok(post('/customer/update', { user_id: 'cust-1', max_budget: null, alias: 'Acme Inc' }));
    assert.equal(upd.alias, 'Acme Inc');
    assert.equal(upd.max_budget, null);
    assert.equal((await post('/customer/update', { user_id: 'nobody', alias: 'x' })).status, 404);

    const blocked = await ok(post('/customer/block', { user_ids: ['cust-1', 'cust-new'] }));
    assert.deepEqual((blocked.blocked_users as Json[]).map((c) => [c.user_id, c.blocked]), [['cust-1', true], ['cust-new', true]]);
    assert.equal((await a.store.get('customer', 'cust-new'))?.blocked, true, 'blocking an unknown end user creates it');
    const unblocked = await ok(post('/end_user/unblock', { user_ids: ['cust-1'] }));
    assert.deepEqual((unblocked.unblocked_users as Json[]).map((c) => c.blocked), [false]);
    assert.equal((await post('/customer/unblock', { user_ids: ['cust-1', 'nobody'] })).status, 404);

    const list = await ok(get('/customer/list'));
    assert.deepEqual(list.map((c) => c.user_id).sort(), ['cust-1', 'cust-new']);
    assert.equal((await post('/customer/delete', { user_ids: ['cust-new', 'nobody'] })).status, 404);
    assert.ok(await a.store.get('customer', 'cust-new'), 'all or none');
    const del = await ok(post('/customer/delete', { user_ids: ['cust-new'] }));
    assert.equal(del.deleted_customers, 1);
    assert.match(del.message as string, /cust-new/);
    const actions = new Set(published.map((p) => p.value.action));
    for (const action of ['user.create', 'user.update', 'user.delete', 'customer.create', 'customer.update', 'customer.delete']) assert.ok(actions.has(action), action);
    const custEvent = published.find((p) => p.value.action === 'customer.create')!;
    assert.equal(JSON.parse(custEvent.value.changes as string).user_id, 'cust-1');
  });

  void it('tags: new, info (POST names or GET name) with spend, update, list, delete', async () => {
    const created = await ok(post('/tag/new', { name: 'prod', description: 'production traffic', max_budget: 20, budget_duration: 'monthly', models: ['mock/echo'] }));
    assert.equal(created.message, 'Tag prod created successfully');
    const tag = created.tag as Json;
    assert.equal(tag.name, 'prod');
    assert.equal(tag.description, 'production traffic');
    assert.equal((tag.litellm_budget_table as Json).max_budget, 20);
    assertInvalid(await post('/tag/new', { name: 'prod' }));

    const info = await ok(post('/tag/info', { names: ['prod'] }));
    assert.deepEqual(Object.keys(info), ['prod']);
    assert.equal((info.prod as Json).spend, 7);
    assert.equal(((await ok(get('/tag/info?name=prod'))).prod as Json).description, 'production traffic');
    assert.equal((await post('/tag/info', { names: ['prod', 'nope'] })).status, 404);

    const upd = await ok(post('/tag/update', { name: 'prod', description: null, rpm_limit: 100 }));
    assert.equal((upd.tag as Json).description, null);
    assert.deepEqual((upd.changed_fields as string[]).sort(), ['description', 'rpm_limit']);
    assert.ok((await ok(get('/tag/list'))).some((t) => t.name === 'prod'));
    assert.equal((await ok(post('/tag/delete', { name: 'prod' }))).message, 'Tag prod deleted successfully');
    assert.equal((await post('/tag/delete', { name: 'prod' })).status, 404);
    assertInvalid(await post('/tag/delete', {}), 'name');
    for (const action of ['tag.create', 'tag.update', 'tag.delete']) assert.ok(published.some((p) => p.value.action === action), action);
  });

  void it('refuses bad values with 400 in the error shape, naming the field, and stores nothing', async () => {
    assertInvalid(await post('/team/new', { team_id: 't-bad', max_budget: -1 }), 'max_budget');
    assertInvalid(await post('/team/new', { team_id: 't-bad', budget_duration: 'fortnight' }), 'budget_duration');
    assertInvalid(await post('/team/new', { team_id: 't-bad', rpm_limit: 'x' }), 'rpm_limit');
    assertInvalid(await post('/team/new', { team_id: 't-bad', tpm_limit: 1.5 }), 'tpm_limit');
    assertInvalid(await post('/team/new', { team_id: 'x'.repeat(257) }), 'team_id');
    assertInvalid(await post('/team/new', { team_id: 'line\nbreak' }), 'team_id');
    assertInvalid(await post('/team/new', { team_id: 't-bad', models: Array.from({ length: 1001 }, (_, i) => `m${i}`) }), 'models');
    assertInvalid(await post('/team/new', { team_id: 't-bad', metadata: ['not', 'an', 'object'] }), 'metadata');
    assertInvalid(await post('/team/new', { team_id: 't-bad', metadata: { blob: 'x'.repeat(40_000) } }), 'metadata');
    assertInvalid(await post('/team/new', { team_id: 't-bad', members_with_roles: [{ user_id: 'z', role: 'owner' }] }));
    assertInvalid(await post('/team/member_add', { team_id: 't-x', member: { role: 'user', user_email: 'only@example.com' } }), 'member.user_id');
    assertInvalid(await post('/user/new', { user_id: 'u-bad', user_alias: 'a'.repeat(257) }), 'user_alias');
    assertInvalid(await post('/user/new', { user_id: 'u-bad', user_email: 'tab\there' }), 'user_email');
    assertInvalid(await post('/user/new', { user_id: 'u-bad', user_email: `${'e'.repeat(320)}@x` }), 'user_email');
    assertInvalid(await post('/user/new', { user_id: 'u-bad', user_role: 'r'.repeat(65) }), 'user_role');
    assertInvalid(await post('/tag/new', { name: 'tag-bad', description: 'd'.repeat(2001) }), 'description');
    assertInvalid(await post('/customer/new', { user_id: 'c-bad', rpm_limit: -5 }), 'rpm_limit');
    assertInvalid(await post('/tag/new', { name: '' }), 'name');
    assertInvalid(await post('/team/delete', { team_ids: [] }), 'team_ids');
    assertInvalid(await get('/user/list?page_size=0'), 'page_size');
    assertInvalid(await get('/team/list?page=x'), 'page');
    assertInvalid(await get('/team/info?team_id=a&team_id=b'));
    assert.equal(await a.store.get('team', 't-bad'), undefined);
    assert.equal(await a.store.get('user', 'u-bad'), undefined);
    assert.equal(await a.store.get('customer', 'c-bad'), undefined);
  });

  void it('reports spend from the SpendLookup: 0 without one, null when the ledger cannot be read', async () => {
    await ok(post('/team/new', { team_id: 'ledger-down' }));
    assert.equal(((await ok(get('/team/info?team_id=ledger-down'))).team_info as Json).spend, null);
    assert.equal(((await ok(get('/team/info?team_id=ledger-down', b))).team_info as Json).spend, 0);
    assert.ok(spendAsked.includes('team:t-eng') && spendAsked.includes('customer:cust-1') && spendAsked.includes('tag:prod'));
  });

  void it('answers 503 in the error shape when Redis is unreachable', async () => {
    const config = { ...parseConfig({ model_list: [{ model_name: 'mock/echo', litellm_params: { model: 'mock/echo' } }] }), env: runtimeEnv({}) };
    const dead = GovernanceStore.open('redis://127.0.0.1:1', { prefix, opTimeoutMs: 1_000 });
    const app = await buildApp({ config, events: { emit: () => undefined }, router: createRouter(config), health: { shuttingDown: () => false, components: async () => ({}) }, auth: createAuth({ masterKey: MASTER }), governanceStore: dead });
    try {
      const res = await app.inject({ method: 'GET', url: '/team/info?team_id=t-shared', headers: { authorization: `Bearer ${MASTER}` } });
      assert.equal(res.statusCode, 503);
      assert.equal((res.json() as { error: Json }).error.code, 'service_unavailable');
    } finally {
      await app.close();
      await dead.close();
    }
  });

  void it('two gateways share one store: a change through either is seen by the other at once', async () => {
    await ok(post('/team/new', { team_id: 't-shared', rpm_limit: 5 }, a));
    assert.equal(((await ok(get('/team/info?team_id=t-shared', b))).team_info as Json).rpm_limit, 5);
    await ok(post('/team/update', { team_id: 't-shared', rpm_limit: 7 }, b));
    assert.equal(((await ok(get('/team/info?team_id=t-shared', a))).team_info as Json).rpm_limit, 7);
    await ok(post('/customer/new', { user_id: 'cust-shared' }, b));
    assert.ok((await ok(get('/customer/list', a))).some((c) => c.user_id === 'cust-shared'));
    await ok(post('/customer/delete', { user_ids: ['cust-shared'] }, a));
    assert.equal((await get('/customer/info?end_user_id=cust-shared', b)).status, 404);
  });

  void it('helix teams|users|customers|tags manage them through the admin API', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const env = { HELIX_URL: a.base, HELIX_MASTER_KEY: MASTER };
    const io = { out: (s: string) => lines.push(s), err: (s: string) => errors.push(s) };
    const run = (kind: 'teams' | 'users' | 'customers' | 'tags', ...args: string[]) => runGovernanceCommand(kind, args, env, io);

    assert.equal(await run('teams', 'new', 't-cli', '--alias', 'CLI team', '--budget', '5', '--budget-duration', '7d', '--rpm', '30', '--models', 'mock/echo', '--member', 'ann:admin'), 0, errors.join('\n'));
    assert.match(lines.pop()!, /team_alias\s+CLI team/);
    const team = await a.store.get('team', 't-cli');
    assert.equal(team?.max_budget, 5);
    assert.deepEqual(team?.members, [{ user_id: 'ann', role: 'admin' }]);

    assert.equal(await run('teams', 'info', 't-cli'), 0);
    assert.match(lines.pop()!, /rpm_limit\s+30[\s\S]*spend\s+0/);
    assert.equal(await run('teams', 'update', 't-cli', '--rpm', 'none', '--tpm', '900', '--block'), 0);
    assert.match(lines.pop()!, /updated: .*rpm_limit/);
    assert.equal((await a.store.get('team', 't-cli'))?.rpm_limit, undefined);
    assert.equal(await run('teams', 'add-member', 't-cli', 'eve', 'fay:admin'), 0);
    assert.match(lines.pop()!, /members: ann, eve, fay/);
    assert.equal(await run('teams', 'remove-member', 't-cli', 'eve'), 0);
    assert.match(lines.pop()!, /members: ann, fay/);
    assert.equal(await run('teams', 'list', '--size', '1'), 0);
    assert.match(lines.pop()!, /team_id\s+team_alias[\s\S]*\(1 of \d+ teams, page 1\//);

    assert.equal(await run('users', 'new', 'u-cli', '--email', 'cli@example.com', '--team', 't-cli', '--budget', '2'), 0, errors.join('\n'));
    assert.match(lines.pop()!, /^sk-helix-\S+\n\nThe key of user u-cli is shown once/);
    assert.deepEqual((await a.store.get('user', 'u-cli'))?.teams, ['t-cli']);
    assert.equal(await run('users', 'new', 'u-cli2', '--no-key', '--json'), 0);
    assert.equal((JSON.parse(lines.pop()!) as Json).key, null);
    assert.equal(await run('customers', 'new', 'c-cli', '--budget', '1', '--budget-duration', '1d'), 0);
    assert.equal(await run('customers', 'block', 'c-cli'), 0);
    assert.equal((await a.store.get('customer', 'c-cli'))?.blocked, true);
    assert.equal(await run('tags', 'new', 'tg-cli', '--description', 'from the cli'), 0);
    assert.equal(await run('tags', 'info', 'tg-cli'), 0);
    assert.match(lines.pop()!, /description\s+from the cli/);
    assert.equal(await run('customers', 'list'), 0);
    assert.match(lines.pop()!, /c-cli/);

    assert.equal(await run('tags', 'delete', 'tg-cli'), 0);
    assert.equal(await a.store.get('tag', 'tg-cli'), undefined);
    assert.equal(await run('teams', 'delete', 't-cli'), 0);
    assert.match(lines.pop()!, /deleted: t-cli/);
    assert.equal(await run('users', 'delete', 'u-cli', 'u-cli2'), 0);
    assert.match(lines.pop()!, /deleted: u-cli, u-cli2 \(and 1 key\(s\)\)/);

    errors.length = 0;
    assert.equal(await run('teams', 'new', 't-x2', '--team', 'nope'), 1);
    assert.match(errors.pop()!, /--team does not apply to teams/);
    assert.equal(await run('tags', 'new'), 1);
    assert.equal(await run('customers', 'info', 'nobody'), 1);
    assert.match(errors.pop()!, /404: End user nobody not found/);
    assert.equal(await run('teams', 'update', 't-x', '--rpm', '-3'), 1);
    assert.match(errors.pop()!, /400: rpm_limit: must be a number ≥ 0/);

    // The real command line, as an operator runs it (asynchronously: this process serves the gateway it calls).
    const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts'), 'customers', 'list'], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 });
    assert.match(cli.stdout, /c-cli/);
  });

  void it('a gateway process (gateway/main.ts) serves the same store under helix_settings.auth.redis_prefix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-gov-'));
    const [port, queryPort] = await freePorts(2);
    const config = join(dir, 'helix.yaml');
    writeFileSync(config, `helix_settings:\n  auth:\n    redis_prefix: "${prefix}"\nmodel_list:\n  - model_name: mock/echo\n    litellm_params: { model: mock/echo }\n`);
    let gw: HelixProcess | undefined;
    try {
      gw = spawnHelix('gateway/main.ts', { HELIX_CONFIG: config, HELIX_MASTER_KEY: MASTER, HELIX_PORT: String(port), HELIX_QUERY_PORT: String(queryPort), HELIX_DATA_DIR: join(dir, 'data'), HELIX_TOPIC_PREFIX: `t${randomBytes(4).toString('hex')}.` }, 'gw', dir);
      const base = `http://127.0.0.1:${port}`;
      await waitFor('gateway', async () => (await fetch(`${base}/health/live`)).ok, 60_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${gw!.log()}`);
      });
      const viaProcess = await call(base, 'GET', '/team/info?team_id=t-shared');
      assert.equal(viaProcess.status, 200, JSON.stringify(viaProcess.body));
      assert.equal((viaProcess.body.team_info as Json).rpm_limit, 7);
      assert.ok('spend' in (viaProcess.body.team_info as Json));
      assert.equal((await call(base, 'POST', '/tag/new', { name: 'from-process' })).status, 200);
      assert.equal((await a.store.get('tag', 'from-process'))?.id, 'from-process');
    } finally {
      await gw?.stop();
    }
  });
});
