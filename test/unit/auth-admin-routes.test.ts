// Every admin route of the real app (buildApp with keys, cache and optimizer on the test Redis) answers 401 without
// or with a wrong key, 403 to a virtual key and 2xx to the master key, errors in OpenAI's shape; admin calls emit no
// proxy events, and the admin check does not reach the /v1 proxy routes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { createRedis, type RedisClient as Redis } from '../../lib/redis.ts';
import { clearTestData } from '../helpers/redis.ts';
import { buildApp, createRouter } from '../../gateway/app.ts';
import { adminApi, type AdminDeps } from '../../gateway/routes/admin.ts';
import { createAuth, type Auth } from '../../gateway/auth/authenticate.ts';
import { KeyStore } from '../../core/keys/key-store.ts';
import { createChatCache, type ChatCache } from '../../gateway/cache/chat-cache.ts';
import { cacheSettingsFromConfig } from '../../schemas/config/cache.ts';
import { createCostControl } from '../../gateway/budgets/cost-control.ts';
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import { parseConfig, runtimeEnv } from '../../lib/config.ts';
import type { HelixEvent } from '../../schemas/events.ts';

const url = process.env.HELIX_REDIS_URL;
const MASTER = 'sk-helix-admin-routes-master';
const prefix = `test-admin-routes-${randomBytes(4).toString('hex')}:`;

/** No history: the optimizer answers with empty reports. */
const emptyAnalytics: AnalyticsReader = { query: async () => ({ meta: [], data: [], rows: 0, elapsed_ms: 0 }), ping: async () => true, close: async () => undefined };

interface AdminCall {
  method: 'GET' | 'POST';
  url: string;
  /** The route as registered (with its :params), to check that the table covers every admin route. */
  route?: string;
  body?: unknown;
}

void describe('the admin API: one check on every admin route', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  let redis: Redis;
  let store: KeyStore;
  let auth: Auth;
  let cache: ChatCache;
  let app: FastifyInstance;
  let deps: AdminDeps;
  const events: HelixEvent[] = [];
  /** Virtual keys: `caller` calls the admin API, `target` and `doomed` are what the master key's calls change. */
  const ids = {} as Record<'caller' | 'target' | 'doomed', { key: string; keyId: string }>;

  before(async () => {
    redis = createRedis(url!, { maxRetriesPerRequest: 1 });
    store = KeyStore.open(url!, { prefix });
    auth = createAuth({ masterKey: MASTER, store });
    const config = {
      ...parseConfig({
        model_list: [{ model_name: 'mock/echo', litellm_params: { model: 'mock/echo' } }],
        helix_settings: { semantic_cache: { semantic_enabled: false, redis_prefix: `${prefix}cache:`, redis_index: `${prefix}cache:index` } },
      }),
      env: runtimeEnv({ HELIX_MASTER_KEY: MASTER }),
    };
    cache = createChatCache({ redis, settings: cacheSettingsFromConfig(config.helix_settings) });
    deps = { auth, keyStore: store, publish: () => undefined, cache, redis, costControl: createCostControl({ config, redis, analytics: emptyAnalytics }) };
    app = await buildApp({ config, events: { emit: (e) => events.push(e) }, router: createRouter(config), health: { shuttingDown: () => false, components: async () => ({}) }, ...deps });
    for (const name of ['caller', 'target', 'doomed'] as const) {
      const { key, record } = await store.generate({ key_alias: `admin-routes-${name}` });
      ids[name] = { key, keyId: record.key_id };
    }
  });
  after(async () => {
    await app.close();
    await cache.close();
    await auth.close();
    await store.close();
    redis.disconnect();
    await clearTestData(url!, prefix);
  });

  // A request each admin route accepts from the master key (targets other than the calling virtual key).
  const calls = (): AdminCall[] => [
    { method: 'POST', url: '/key/generate', body: { key_alias: 'admin-routes-new' } },
    { method: 'GET', url: `/key/info?key=${ids.target.keyId}` },
    { method: 'POST', url: '/key/update', body: { key: ids.target.keyId, rpm_limit: 10 } },
    { method: 'POST', url: '/key/block', body: { key: ids.target.keyId } },
    { method: 'POST', url: '/key/unblock', body: { key: ids.target.keyId } },
    { method: 'POST', url: '/key/regenerate', body: { key: ids.target.keyId } },
    { method: 'POST', url: `/key/${ids.target.keyId}/regenerate`, route: '/key/:key/regenerate', body: {} },
    { method: 'GET', url: '/key/list' },
    { method: 'POST', url: '/key/delete', body: { keys: [ids.doomed.keyId] } },
    { method: 'POST', url: '/cache/invalidate', body: { namespace: 'admin-routes-nobody' } },
    { method: 'GET', url: '/cache/stats' },
    { method: 'GET', url: '/v1/helix/optimizer/suggestions?group_by=team' },
    { method: 'GET', url: '/v1/helix/optimizer/savings' },
    { method: 'GET', url: '/spend/logs?start_date=2024-01-01&end_date=2024-01-02' },
    { method: 'GET', url: '/spend/tags' },
    { method: 'GET', url: '/global/spend/report?start_date=2024-01-01&end_date=2024-01-31&group_by=customer' },
    { method: 'GET', url: '/global/spend/tags?start_date=2024-01-01&end_date=2024-01-31' },
    { method: 'GET', url: '/global/spend/keys' },
    { method: 'GET', url: '/global/spend/teams' },
    { method: 'GET', url: '/global/spend/models' },
    { method: 'POST', url: '/global/spend/end_users', body: {} },
  ];

  const send = (call: AdminCall, key?: string) =>
    app.inject({ method: call.method, url: call.url, ...(call.body !== undefined ? { payload: call.body as object } : {}), headers: key ? { authorization: `Bearer ${key}` } : {} });

  const assertError = (res: Awaited<ReturnType<typeof send>>, status: number, type: string, code: string, what: string) => {
    assert.equal(res.statusCode, status, `${what}: ${res.body}`);
    const body = res.json<{ error: Record<string, unknown> }>();
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type'], what);
    assert.equal(body.error.type, type, what);
    assert.equal(body.error.code, code, what);
    assert.equal(typeof body.error.message, 'string', what);
  };

  void it('covers every route the admin plugin registers', async () => {
    const registered: string[] = [];
    const probe = Fastify();
    probe.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) if (method !== 'HEAD') registered.push(`${method} ${r.url}`);
    });
    await probe.register(adminApi, deps);
    await probe.close();
    const tested = calls().map((c) => `${c.method} ${c.route ?? c.url.split('?')[0]}`);
    assert.deepEqual([...new Set(tested)].sort(), registered.sort());
  });

  void it('401 without a key or with a wrong one, 403 for a virtual key, on every admin route', async () => {
    for (const call of calls()) {
      const what = `${call.method} ${call.url}`;
      assertError(await send(call), 401, 'authentication_error', 'invalid_api_key', `${what} without a key`);
      assertError(await send(call, 'sk-helix-not-the-master-key'), 401, 'authentication_error', 'invalid_api_key', `${what} with a wrong key`);
      assertError(await send(call, MASTER.slice(0, -1)), 401, 'authentication_error', 'invalid_api_key', `${what} with the master key's prefix`);
      assertError(await send(call, ids.caller.key), 403, 'permission_error', 'forbidden', `${what} with a virtual key`);
    }
    // The check runs before body validation: a caller without rights learns nothing about the body.
    assertError(await send({ method: 'POST', url: '/key/generate', body: { rpm_limit: 'lots' } }), 401, 'authentication_error', 'invalid_api_key', 'invalid body');
    assert.equal((await store.info(ids.doomed.keyId))?.key_id, ids.doomed.keyId, 'refused calls changed nothing');
  });

  void it('2xx for the master key on every admin route', async () => {
    for (const call of calls()) {
      const res = await send(call, MASTER);
      assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${call.method} ${call.url}: ${res.statusCode} ${res.body}`);
    }
    assert.equal(await store.info(ids.doomed.keyId), undefined, 'the master key deleted the key');
  });

  void it('admin calls emit no proxy events; the /v1 routes do not run the admin check', async () => {
    assert.deepEqual(events.map((e) => e.type), [], 'admin calls (refused or not) are not proxy traffic');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${ids.caller.key}` },
      payload: { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.equal(res.statusCode, 200, res.body);
  });
});
