// The dashboard of a plain `npm start`, which has no master key: the gateway runs without authentication on
// loopback, the consumers' SQL endpoint has the local key `npm start` writes to the data directory, and that same
// key signs in to the dashboard (through a real gateway and consumers, Redis, Kafka, ClickHouse). The admin API
// itself stays off for API keys; the dashboard's session reaches it and the analytics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureLocalSqlKey } from '../../lib/local-sql-key.ts';
import { freePort } from '../../stack/ports.ts';
import { spawnHelix, waitFor, type HelixProcess } from '../helpers/processes.ts';
import { testModelList, writeConfig } from '../helpers/traffic.ts';

void describe('the dashboard without a master key (npm start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helix-local-key-'));
  const localKey = ensureLocalSqlKey(dir);
  let gatewayUrl = '';
  const procs: HelixProcess[] = [];

  before(async () => {
    const [port, queryPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      // A key store of its own: other tests' virtual keys in the shared Redis would turn authentication on (auto mode).
      HELIX_CONFIG: writeConfig(dir, { model_list: testModelList(), helix_settings: { auth: { redis_prefix: `lk${randomBytes(4).toString('hex')}:` } } }),
      HELIX_TOPIC_PREFIX: `t${randomBytes(4).toString('hex')}.`,
      HELIX_DATA_DIR: dir,
      HELIX_PORT: String(port),
      HELIX_QUERY_PORT: String(queryPort),
      HELIX_QUERY_URL: `http://127.0.0.1:${queryPort}`,
      HELIX_MASTER_KEY: '',
    };
    gatewayUrl = `http://127.0.0.1:${port}`;
    // As stack/up.ts starts them: the consumers (the SQL endpoint's owner) get the local key as their master key.
    procs.push(spawnHelix('consumers/main.ts', { ...env, HELIX_MASTER_KEY: localKey }, 'consumers', dir));
    procs.push(spawnHelix('gateway/main.ts', env, 'gateway', dir));
    await waitFor('gateway', async () => (await fetch(`${gatewayUrl}/health/live`).catch(() => undefined))?.ok, 60_000);
    await waitFor('consumers', async () => (await fetch(`${env.HELIX_QUERY_URL}/ping`).catch(() => undefined))?.ok, 60_000);
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
  });

  const signIn = (key: string) => fetch(`${gatewayUrl}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });

  void it('serves the dashboard by default and says to sign in with the local key', async () => {
    assert.equal((await fetch(`${gatewayUrl}/ui/`)).status, 200);
    assert.deepEqual(await (await fetch(`${gatewayUrl}/ui/api/session`)).json(), { signed_in: false, sign_in_with: 'local_key' });
    const wrong = await signIn('sk-wrong');
    assert.equal(wrong.status, 401);
    assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /local key .*\.data\/local-sql-key/);
  });

  void it('signs in with the local key; the session reaches the admin API and the analytics, an API key does not', async () => {
    const answer = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'no auth on a plain npm start' }] }),
    });
    assert.equal(answer.status, 200);
    const res = await signIn(localKey);
    assert.equal(res.status, 200);
    const { csrf } = (await res.json()) as { csrf: string };
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(cookie, /^helix_ui_session=/);
    assert.equal((await fetch(`${gatewayUrl}/key/list`, { headers: { cookie } })).status, 200);
    const made = await fetch(`${gatewayUrl}/team/new`, { method: 'POST', headers: { cookie, 'x-helix-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ team_id: 'local' }) });
    assert.equal(made.status, 200);
    await waitFor('the request in the analytics', async () => {
      const q = await fetch(`${gatewayUrl}/ui/api/query/totals?range=1h`, { headers: { cookie } });
      return q.ok && ((await q.json()) as { data: Array<{ requests: number }> }).data[0]?.requests === 1;
    }, 60_000, 500);
    // The local key is not a master key: the admin API stays off for API keys.
    assert.equal((await fetch(`${gatewayUrl}/key/list`, { headers: { authorization: `Bearer ${localKey}` } })).status, 401);
  });
});
