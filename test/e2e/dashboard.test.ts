// The built-in dashboard in a real headless Chromium against a real gateway, consumers, Kafka, Redis and ClickHouse
// with generated traffic: sign-in with the master key (a virtual key is refused), the Overview's request count equals
// `helix sql`'s, a key created in the UI answers a request, a key blocked in the UI is refused, no console errors.
// Saves docs/screenshots/*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../../lib/paths.ts';
import { buildUi } from '../../stack/build-ui.ts';
import { CHROMIUM_ARGS, ensureChromium } from '../../stack/chromium.ts';
import { helixSql, startPipeline, waitFor, type Pipeline } from '../helpers/processes.ts';
import { chat, createKey, mixedCalls, runCalls, testModelList, writeConfig, type TrafficKey } from '../helpers/traffic.ts';

const MASTER = 'sk-helix-test-master';
const SCREENSHOTS = join(repoRoot, 'docs/screenshots');

void describe('the dashboard in a browser', () => {
  let p: Pipeline;
  let browser: Browser;
  let page: Page;
  let keys: TrafficKey[];
  let sent = 0;
  const consoleErrors: string[] = [];

  before(async () => {
    await buildUi();
    const executablePath = ensureChromium();
    const dir = mkdtempSync(join(tmpdir(), 'helix-ui-'));
    p = await startPipeline({ HELIX_CONFIG: writeConfig(dir, { model_list: testModelList(), helix_settings: { dashboard: { enabled: true, refresh_interval: 2 } } }) });
    keys = [await createKey(p.gatewayUrl, MASTER, { team_id: 'alpha' }), await createKey(p.gatewayUrl, MASTER, { team_id: 'beta' })];
    const calls = mixedCalls(keys, 6);
    await runCalls(p.gatewayUrl, calls);
    sent = calls.length;
    // Every call, answered or failed, is one request in the views once the sink has caught up.
    await waitFor('the traffic in ClickHouse', async () => Number((await helixSql<{ n: string }>(p.env, 'SELECT sum(requests) AS n FROM helix.v_usage_1m'))[0]?.n) === sent, 60_000, 500);
    // launch() gives the browser a fresh temporary profile of its own, deleted on close.
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await p?.stop();
  });

  const signIn = async (key: string) => {
    await page.goto(`${p.gatewayUrl}/ui/`);
    await page.fill('input[name=key]', key);
    await page.click('button[type=submit]');
  };

  void it('refuses a virtual key and a wrong key at sign-in', async () => {
    await signIn(keys[0]!.key);
    await page.waitForSelector('[role=alert]');
    assert.match(await page.textContent('[role=alert]') ?? '', /not an admin key/);
    const wrong = await fetch(`${p.gatewayUrl}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'sk-wrong' }) });
    assert.equal(wrong.status, 401);
    consoleErrors.length = 0; // the refused sign-ins' 401/403 are logged by the browser as failed loads
  });

  void it("signs in with the master key and shows the traffic's numbers on the Overview, as helix sql counts them", async () => {
    await signIn(MASTER);
    await page.waitForSelector('[data-testid=overview] [data-testid=stat-requests]');
    const [row] = await helixSql<{ n: string }>(p.env, "SELECT sum(requests) AS n FROM helix.v_usage_1m WHERE minute >= now() - INTERVAL 1 DAY");
    const expected = Number(row?.n);
    assert.equal(expected, sent);
    await waitFor('the Overview request count', async () => (await page.textContent('[data-testid=stat-requests]'))?.replaceAll(',', '') === String(expected), 20_000);
    for (const chart of ['chart-traffic', 'chart-latency', 'chart-spend']) assert.equal(await page.locator(`[data-testid=${chart}] canvas`).count(), 1, chart);
    // The session lives in an HttpOnly cookie only: not readable by the page, not in storage or the URL.
    assert.equal(await page.evaluate('document.cookie'), '');
    assert.equal(await page.evaluate('localStorage.length + sessionStorage.length'), 0);
    assert.ok(!page.url().includes(MASTER));
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });
  });

  void it('creates a key that answers a request, and blocks it so it is refused', async () => {
    await page.click('nav a[href="#/keys"]');
    await page.waitForSelector('[data-testid=keys]');
    await page.fill('input[name=key_alias]', 'made-in-the-ui');
    await page.fill('input[name=max_budget]', '5');
    await page.click('.create-key button[type=submit]');
    const newKey = (await page.textContent('[data-testid=new-key]', { timeout: 10_000 })) ?? '';
    assert.match(newKey, /^sk-/);
    assert.equal(await chat(p.gatewayUrl, newKey, { model: 'mock/echo', content: 'hello from a key made in the UI' }), 200);

    const row = page.locator('tr[data-key-alias="made-in-the-ui"]');
    await row.getByRole('button', { name: 'Block' }).click();
    await row.locator('td.blocked').waitFor({ timeout: 10_000 });
    await waitFor('the blocked key to be refused', async () => (await chat(p.gatewayUrl, newKey, { model: 'mock/echo', content: 'still there?' })) === 401, 10_000);
    await page.screenshot({ path: join(SCREENSHOTS, 'keys.png'), fullPage: true });
  });

  void it('lets the session cookie reach the admin API only with the CSRF header for writes, and ends it on sign-out', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'helix_ui_session');
    assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict');
    const headers = { cookie: `helix_ui_session=${cookie.value}`, 'content-type': 'application/json' };
    assert.equal((await fetch(`${p.gatewayUrl}/key/list`, { headers })).status, 200);
    const noCsrf = await fetch(`${p.gatewayUrl}/key/generate`, { method: 'POST', headers, body: '{}' });
    assert.equal(noCsrf.status, 403);
    assert.equal(((await noCsrf.json()) as { error: { code: string } }).error.code, 'forbidden');
    const badQuery = await fetch(`${p.gatewayUrl}/ui/api/query/totals?range=forever`, { headers });
    assert.equal(badQuery.status, 400);
    assert.equal((await fetch(`${p.gatewayUrl}/ui/api/query/drop_everything`, { headers })).status, 404);

    assert.deepEqual(consoleErrors, [], 'the pages loaded and refreshed without console errors');

    await page.click('button.sign-out');
    await page.waitForSelector('input[name=key]');
    await waitFor('the session to end', async () => (await fetch(`${p.gatewayUrl}/key/list`, { headers })).status === 401, 5_000);
    await page.reload();
    await page.waitForSelector('input[name=key]');
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in.png') });
  });
});
