// Auth posture: the master key is compared in constant time (hashed, so not even its length shows); without a master
// key the gateway listens on loopback only — a network address is refused unless the config opts in — and says at
// start that it runs without authentication. (The SQL query server needs the master key always: sql-endpoint.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { secretMatcher } from '../../lib/secret-matcher.ts';
import { checkListenHost, isLoopbackHost } from '../../lib/listen-host.ts';
import { loadConfig } from '../../lib/config.ts';
import { credentialsAlwaysRequired } from '../../gateway/auth/enforcement.ts';
import { freePort } from '../../stack/ports.ts';
import { spawnHelix, waitFor } from '../helpers/processes.ts';

const MASTER = 'sk-helix-listen-master';

void describe('secretMatcher', () => {
  void it('matches only the exact secret', () => {
    const isMaster = secretMatcher(MASTER);
    assert.equal(isMaster(MASTER), true);
    for (const other of [MASTER.slice(0, -1), `${MASTER}x`, MASTER.replace(/r$/, 's'), MASTER.toUpperCase(), '', undefined]) {
      assert.equal(isMaster(other), false, String(other));
    }
  });

  void it('matches nothing when no secret is set', () => {
    for (const unset of [undefined, '']) {
      const matches = secretMatcher(unset);
      assert.equal(matches(''), false);
      assert.equal(matches(undefined), false);
      assert.equal(matches('anything'), false);
    }
  });
});

void describe('listen policy', () => {
  void it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.10', 'helix.example.com', '128.0.0.1', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
  });

  void it('refuses a network address without authentication unless opted in, and warns whenever unauthenticated', () => {
    const request = { service: 'the gateway', host: '0.0.0.0', authenticated: false, allowUnauthenticated: false };
    assert.throws(() => checkListenHost(request), /refusing to listen on 0\.0\.0\.0.*HELIX_MASTER_KEY.*dangerously_allow_unauthenticated/);
    assert.match(checkListenHost({ ...request, allowUnauthenticated: true }) ?? '', /WITHOUT AUTHENTICATION on 0\.0\.0\.0/);
    assert.match(checkListenHost({ ...request, host: '127.0.0.1' }) ?? '', /WITHOUT AUTHENTICATION.*loopback/);
    assert.equal(checkListenHost({ ...request, authenticated: true }), undefined);
  });

  void it('counts a master key, JWT auth or auth mode `required` as authenticated', () => {
    assert.equal(credentialsAlwaysRequired(undefined, {}), false);
    assert.equal(credentialsAlwaysRequired(MASTER, {}), true);
    assert.equal(credentialsAlwaysRequired(undefined, { jwt: { enabled: true } }), true);
    assert.equal(credentialsAlwaysRequired(undefined, { mode: 'required' }), true);
  });

  void it('reads the opt-in from the config file or the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-listen-'));
    const config = join(dir, 'helix.yaml');
    writeFileSync(config, 'general_settings:\n  dangerously_allow_unauthenticated: true\n');
    assert.equal(loadConfig({}).env.allowUnauthenticated, false);
    assert.equal(loadConfig({ HELIX_CONFIG: config }).env.allowUnauthenticated, true);
    assert.equal(loadConfig({ HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED: '1' }).env.allowUnauthenticated, true);
    assert.equal(loadConfig({ HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED: 'false' }).env.allowUnauthenticated, false);
  });
});

void describe('gateway start-up without a master key', () => {
  const start = async (env: NodeJS.ProcessEnv, config?: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-listen-'));
    if (config) writeFileSync(join(dir, 'helix.yaml'), config);
    const port = await freePort();
    // Nothing inherited decides the outcome: undefined leaves a variable out of the child's environment.
    const unset = { HELIX_MASTER_KEY: undefined, HELIX_HOST: undefined, HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED: undefined, HELIX_CONFIG: undefined };
    const own = { HELIX_PORT: String(port), HELIX_DATA_DIR: dir, HELIX_TOPIC_PREFIX: `listen${randomBytes(3).toString('hex')}.`, ...(config ? { HELIX_CONFIG: join(dir, 'helix.yaml') } : {}) };
    const gw = spawnHelix('gateway/main.ts', { ...unset, ...own, ...env }, 'gateway', dir);
    return { gw, url: `http://127.0.0.1:${port}` };
  };
  const live = (url: string) => waitFor('gateway', async () => (await fetch(`${url}/health/live`)).ok);

  void it('refuses a non-loopback HELIX_HOST and exits with the reason', async () => {
    const { gw, url } = await start({ HELIX_HOST: '0.0.0.0' });
    try {
      const exited = once(gw.child, 'exit');
      const [code] = (await Promise.race([exited, new Promise((r) => setTimeout(() => r(['still running']), 30_000))])) as [number | string];
      assert.equal(code, 1, gw.log());
      assert.match(gw.log(), /refusing to listen on 0\.0\.0\.0: no master key is set/);
      assert.match(gw.log(), /HELIX_MASTER_KEY/);
      await assert.rejects(fetch(`${url}/health/live`));
    } finally {
      await gw.stop();
    }
  });

  void it('listens on loopback and warns that it runs without authentication', async () => {
    const { gw, url } = await start({});
    try {
      await live(url);
      await waitFor('warning', async () => /WITHOUT AUTHENTICATION.*loopback \(127\.0\.0\.1\) only/.test(gw.log()), 10_000);
    } finally {
      await gw.stop();
    }
  });

  void it('listens on 0.0.0.0 when the config opts in, and warns', async () => {
    const { gw, url } = await start({ HELIX_HOST: '0.0.0.0' }, 'general_settings:\n  dangerously_allow_unauthenticated: true\n');
    try {
      await live(url);
      await waitFor('warning', async () => /WITHOUT AUTHENTICATION on 0\.0\.0\.0/.test(gw.log()), 10_000);
    } finally {
      await gw.stop();
    }
  });

  void it('listens on 0.0.0.0 without a warning once a master key is set', async () => {
    const { gw, url } = await start({ HELIX_HOST: '0.0.0.0', HELIX_MASTER_KEY: MASTER, HELIX_LOG_LEVEL: 'info' });
    try {
      await live(url);
      await waitFor('listening', async () => /helix gateway listening/.test(gw.log()), 10_000);
      assert.doesNotMatch(gw.log(), /WITHOUT AUTHENTICATION/);
    } finally {
      await gw.stop();
    }
  });
});
