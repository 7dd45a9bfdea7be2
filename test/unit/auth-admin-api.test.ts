// The key admin API (LiteLLM-compatible routes) and `helix keys` CLI on the real app (buildApp) and the real Redis;
// audit events captured from the injected publish function. Also: the auth and limits hooks on buildApp's proxy routes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { KeyStore } from '../../core/keys/key-store.ts';
import { createAuth, type Auth } from '../../gateway/auth/authenticate.ts';
import { createLimits } from '../../gateway/limits/rate-limits.ts';
import { createRedis } from '../../lib/redis.ts';
import { clearTestData } from '../helpers/redis.ts';
import { runKeysCommand } from '../../cli/keys.ts';
import { AuditEvent } from '../../schemas/events/audit.ts';
import { Value } from '@sinclair/typebox/value';
import { buildApp, createRouter } from '../../gateway/app.ts';
import type { GatewayDeps } from '../../gateway/deps.ts';
import { parseConfig, runtimeEnv } from '../../lib/config.ts';
import type { HelixEvent } from '../../schemas/events.ts';

const url = process.env.HELIX_REDIS_URL;
const MASTER = 'sk-helix-admin-master';
const prefix = `test-admin-${randomBytes(4).toString('hex')}:`;

interface Published {
  topic: string;
  key: string;
  value: Record<string, unknown>;
}

/** The gateway on the mock models, with the given auth, key store, limits, … */
async function gateway(deps: Partial<GatewayDeps> = {}): Promise<FastifyInstance> {
  const models = ['mock/echo', 'mock/fixed'].map((m) => ({ model_name: m, litellm_params: { model: m } }));
  const config = { ...parseConfig({ model_list: models }), env: runtimeEnv({}) };
  return buildApp({ config, events: { emit: () => undefined }, router: createRouter(config), health: { shuttingDown: () => false, components: async () => ({}) }, ...deps });
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

void describe('key admin API and CLI (real Redis)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  let store: KeyStore;
  let auth: Auth;
  let app: FastifyInstance;
  let base: string;
  const published: Published[] = [];
  const json = { 'content-type': 'application/json' };
  const asMaster = { authorization: `Bearer ${MASTER}`, ...json };

  before(async () => {
    store = KeyStore.open(url!, { prefix });
    auth = createAuth({ masterKey: MASTER, store });
    app = await gateway({ auth, keyStore: store, publish: (topic, key, value) => published.push({ topic, key, value: value as Record<string, unknown> }) });
    base = await listen(app);
  });
  after(async () => {
    await app.close();
    await auth.close();
    await store.close();
    await clearTestData(url!, prefix);
  });

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = asMaster) => {
    const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  void it('is master-only: 401 without or with a wrong key, 403 for a virtual key, OpenAI error JSON', async () => {
    const none = await call('POST', '/key/generate', {}, json);
    assert.equal(none.status, 401);
    assert.deepEqual(Object.keys(none.body.error as object).sort(), ['code', 'message', 'param', 'type']);
    assert.equal((none.body.error as { code: string }).code, 'invalid_api_key');
    assert.equal((await call('GET', '/key/list', undefined, { authorization: 'Bearer sk-wrong' })).status, 401);
    const { key } = await store.generate({ key_alias: 'not-admin' });
    const forbidden = await call('GET', '/key/list', undefined, { authorization: `Bearer ${key}` });
    assert.equal(forbidden.status, 403);
    assert.equal((forbidden.body.error as { type: string }).type, 'permission_error');
    // Auth runs before body validation: an invalid body without credentials is still 401.
    assert.equal((await call('POST', '/key/generate', { rpm_limit: 'x' }, json)).status, 401);
  });

  void it('generates, reads, updates, rotates, lists and deletes keys; audits each change without the secret', async () => {
    published.length = 0;
    const gen = await call('POST', '/key/generate', { key_alias: 'api-a', team_id: 'team-api', user_id: 'ann', models: ['mock/echo'], rpm_limit: 60, tpm_limit: 1000, max_budget: 10, budget_duration: '30d', duration: '30d', metadata: { owner: 'ann' }, tags: ['ignored-litellm-field'] });
    assert.equal(gen.status, 200, JSON.stringify(gen.body));
    const key = gen.body.key as string;
    const keyId = gen.body.key_id as string;
    assert.match(key, /^sk-helix-[0-9A-Za-z]{40}$/);
    assert.match(gen.body.token as string, /^[0-9a-f]{64}$/);
    assert.equal(gen.body.rpm_limit, 60);
    assert.ok(Date.parse(gen.body.expires as string) > Date.now());

    const info = await call('GET', `/key/info?key=${encodeURIComponent(key)}`);
    assert.equal(info.status, 200);
    assert.equal((info.body.info as { key_id: string }).key_id, keyId);
    assert.equal(info.body.key, gen.body.token);
    assert.ok(!JSON.stringify(info.body).includes(key), 'info never returns the secret');
    assert.equal((await call('GET', `/key/info?key=${keyId}`)).status, 200);
    assert.equal((await call('GET', '/key/info?key=key_missing')).status, 404);
    assert.equal((await call('GET', '/key/info')).status, 400);

    const upd = await call('POST', '/key/update', { key: keyId, rpm_limit: 120, models: null });
    assert.equal(upd.status, 200);
    assert.deepEqual((upd.body.changed_fields as string[]).sort(), ['models', 'rpm_limit']);
    assert.equal((await call('POST', '/key/update', { key: keyId, rpm_limit: 0 })).status, 400, 'validated: rpm_limit >= 1');
    assert.equal((await call('POST', '/key/update', { key: 'key_missing', rpm_limit: 5 })).status, 404);

    const blocked = await call('POST', '/key/block', { key: keyId });
    assert.equal(blocked.body.blocked, true);
    await call('POST', '/key/unblock', { key: keyId });

    const rot = await call('POST', '/key/regenerate', { key });
    assert.equal(rot.status, 200);
    const newKey = rot.body.key as string;
    assert.notEqual(newKey, key);
    assert.equal(rot.body.key_id, keyId);
    await assert.rejects(auth.authenticate({ headers: { authorization: `Bearer ${key}` } }), /Incorrect API key/);
    assert.equal((await auth.authenticate({ headers: { authorization: `Bearer ${newKey}` } })).keyId, keyId);
    const rot2 = await call('POST', `/key/${keyId}/regenerate`, {});
    assert.equal(rot2.status, 200);

    await call('POST', '/key/generate', { key_alias: 'api-b', team_id: 'team-api' });
    assert.equal((await call('POST', '/key/generate', { key_alias: 'api-b' })).status, 400, 'alias taken');
    const list = await call('GET', '/key/list?team_id=team-api&return_full_object=true');
    assert.equal(list.body.total_count, 2);
    assert.deepEqual((list.body.keys as Array<{ key_alias: string }>).map((k) => k.key_alias), ['api-b', 'api-a']);
    const hashes = await call('GET', '/key/list?team_id=team-api&size=1&page=2');
    assert.equal((hashes.body.keys as string[]).length, 1);
    assert.match((hashes.body.keys as string[])[0]!, /^[0-9a-f]{64}$/);
    assert.equal(hashes.body.total_pages, 2);
    assert.equal((await call('GET', '/key/list?page=zero')).status, 400);

    const del = await call('POST', '/key/delete', { keys: [keyId], key_aliases: ['api-b'] });
    assert.equal(del.status, 200);
    assert.equal((del.body.deleted as unknown[]).length, 2);
    assert.equal((await call('POST', '/key/delete', { keys: [keyId] })).status, 404);
    assert.equal((await call('POST', '/key/delete', {})).status, 400);

    // Audit trail: create, update, block, unblock, rotate ×2, create, delete ×2.
    assert.deepEqual(published.map((p) => p.value.action), ['key.create', 'key.update', 'key.update', 'key.update', 'key.rotate', 'key.rotate', 'key.create', 'key.delete', 'key.delete']);
    for (const p of published) {
      assert.equal(p.topic, 'audit');
      assert.ok(Value.Check(AuditEvent, p.value), JSON.stringify([...Value.Errors(AuditEvent, p.value)][0]));
      assert.equal(p.value.actor, 'master');
      const text = JSON.stringify(p.value);
      for (const secret of [key, newKey, rot2.body.key as string, MASTER]) assert.ok(!text.includes(secret), `secret in audit event ${p.value.action}`);
    }
    const created = published[0]!.value;
    assert.equal(created.key_id, keyId);
    assert.equal(published[0]!.key, keyId);
    assert.equal(created.target_key_alias, 'api-a');
    assert.equal(created.team_id, 'team-api');
    assert.ok((created.changed_fields as string[]).includes('rpm_limit'));
    assert.equal(JSON.parse(created.changes as string).rpm_limit, 60);
    assert.deepEqual(published[1]!.value.changed_fields, ['models', 'rpm_limit']);
  });

  void it('helix keys: create, list, info, update, rotate, delete through the admin API', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const env = { HELIX_URL: base, HELIX_MASTER_KEY: MASTER };
    const io = { out: (s: string) => lines.push(s), err: (s: string) => errors.push(s) };
    const run = (...args: string[]) => runKeysCommand(args, env, io);

    assert.equal(await run('create', '--alias', 'cli-a', '--team', 'team-cli', '--models', 'mock/echo,mock/fixed', '--rpm', '60', '--tpm', '1000', '--budget', '10', '--expires', '30d', '--json'), 0, errors.join('\n'));
    const created = JSON.parse(lines.pop()!) as { key: string; key_id: string; models: string[]; tpm_limit: number };
    assert.match(created.key, /^sk-helix-/);
    assert.deepEqual(created.models, ['mock/echo', 'mock/fixed']);
    assert.equal(created.tpm_limit, 1000);

    assert.equal(await run('create', '--alias', 'cli-b', '--team', 'team-cli'), 0);
    assert.match(lines.pop()!, /^sk-helix-\S+\n\nThis key is shown once/);

    assert.equal(await run('list', '--team', 'team-cli'), 0);
    const table = lines.pop()!;
    assert.match(table, /key_id\s+key_alias/);
    assert.match(table, /cli-a/);
    assert.match(table, /\(2 of 2 keys/);

    assert.equal(await run('info', created.key_id), 0);
    assert.match(lines.pop()!, /rpm_limit\s+60/);

    assert.equal(await run('update', created.key_id, '--rpm', 'none', '--tpm', '2000', '--block'), 0);
    assert.match(lines.pop()!, /updated: .*blocked/);
    const after = await store.info(created.key_id);
    assert.equal(after?.rpm_limit, undefined);
    assert.equal(after?.tpm_limit, 2000);
    assert.equal(after?.blocked, true);

    assert.equal(await run('rotate', created.key_id), 0);
    const rotatedKey = lines.pop()!.split('\n')[0]!;
    assert.notEqual(rotatedKey, created.key);
    assert.equal((await store.info(rotatedKey))?.key_id, created.key_id);

    assert.equal(await run('delete', created.key_id, '--alias', 'cli-b'), 0);
    assert.match(lines.pop()!, /deleted 2 key\(s\)/);

    // Errors: exit code 1 and a message, never a stack trace.
    assert.equal(await run('info', 'key_nope'), 1);
    assert.match(errors.pop()!, /404: Key not found/);
    assert.equal(await run('create', '--rpm', 'lots'), 1);
    assert.match(errors.pop()!, /--rpm must be an integer/);
    assert.equal(await runKeysCommand(['list'], { HELIX_URL: base }, io), 1);
    assert.match(errors.pop()!, /HELIX_MASTER_KEY is not set/);
    assert.equal(await runKeysCommand(['list'], { HELIX_URL: base, HELIX_MASTER_KEY: 'sk-wrong' }, io), 1);
    assert.match(errors.pop()!, /^helix keys: 401/);
    assert.equal(await run('frobnicate'), 1);
  });
});

void describe('auth and limits hooks on the proxy routes of buildApp', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  void it('401s without a key, fills key/team/user into the events with one', async () => {
    const hookPrefix = `${prefix}hook:`;
    const store = KeyStore.open(url!, { prefix: hookPrefix });
    const auth = createAuth({ masterKey: MASTER, store });
    const events: HelixEvent[] = [];
    const app = await gateway({ auth, events: { emit: (e) => events.push(e) } });
    try {
      const body = { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] };
      const denied = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body });
      assert.equal(denied.statusCode, 401);
      assert.equal(denied.json<{ error: { code: string } }>().error.code, 'invalid_api_key');
      assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200, 'health needs no key');

      const { key, record } = await store.generate({ key_alias: 'hooked', team_id: 'team-h', user_id: 'hana' });
      const ok = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body, headers: { authorization: `Bearer ${key}` } });
      assert.equal(ok.statusCode, 200, ok.body);
      const response = events.find((e) => e.type === 'response');
      assert.equal(response?.key_id, record.key_id);
      assert.equal(response?.team_id, 'team-h');
      assert.equal(response?.user_id, 'hana');
    } finally {
      await app.close();
      await store.close();
      await cleanup(hookPrefix);
    }
  });

  void it('limits: 403 for a disallowed model, rate-limit headers on plain and streamed replies, 429, actual tokens recorded', async () => {
    const hookPrefix = `${prefix}limits:`;
    const store = KeyStore.open(url!, { prefix: hookPrefix });
    const auth = createAuth({ masterKey: MASTER, store });
    const redis = createRedis(url!, { maxRetriesPerRequest: 1 });
    const limits = createLimits({ redis, settings: { redis_prefix: `${hookPrefix}rl:` } });
    const app = await gateway({ auth, limits });
    const gw = await listen(app);
    try {
      const { key, record } = await store.generate({ key_alias: 'limited', models: ['mock/echo'], rpm_limit: 2, tpm_limit: 100_000 });
      const post = (body: object) => fetch(`${gw}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const messages = [{ role: 'user', content: 'count my tokens please' }];

      const wrongModel = await post({ model: 'mock/fixed', messages });
      assert.equal(wrongModel.status, 403);
      assert.equal(((await wrongModel.json()) as { error: { code: string } }).error.code, 'model_not_allowed');

      const plain = await post({ model: 'mock/echo', messages });
      assert.equal(plain.status, 200);
      assert.equal(plain.headers.get('x-ratelimit-limit-requests'), '2');
      assert.equal(plain.headers.get('x-ratelimit-remaining-requests'), '1');
      assert.equal(plain.headers.get('x-ratelimit-limit-tokens'), '100000');
      const plainUsage = ((await plain.json()) as { usage: { total_tokens: number } }).usage.total_tokens;

      const streamed = await post({ model: 'mock/echo', messages, stream: true, stream_options: { include_usage: true } });
      assert.equal(streamed.status, 200);
      assert.match(streamed.headers.get('content-type') ?? '', /text\/event-stream/);
      assert.equal(streamed.headers.get('x-ratelimit-remaining-requests'), '0');
      const sse = await streamed.text();
      const usageLine = sse.split('\n').filter((l) => l.startsWith('data: {') && l.includes('"usage":{')).pop()!;
      const streamUsage = (JSON.parse(usageLine.slice(6)) as { usage: { total_tokens: number } }).usage.total_tokens;

      const refused = await post({ model: 'mock/echo', messages });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'rate_limit_exceeded');

      // settle() replaced the estimates with what the calls used.
      await new Promise((r) => setTimeout(r, 100));
      const buckets = await redis.hgetall(`${hookPrefix}rl:{key:${record.key_id}}:tpm`);
      const charged = Object.values(buckets).reduce((n, v) => n + Number(v), 0);
      assert.equal(charged, plainUsage + streamUsage);
    } finally {
      await app.close();
      redis.disconnect();
      await store.close();
      await cleanup(hookPrefix);
    }
  });
});

async function cleanup(keyPrefix: string) {
  await clearTestData(url!, keyPrefix);
}
