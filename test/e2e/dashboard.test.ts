// The built-in dashboard in a real headless Chromium against a real gateway, consumers, Kafka, Redis and ClickHouse
// with generated traffic: sign-in with the master key (a virtual key is refused), the Overview's request count equals
// `helix sql`'s, a key created in the UI answers a request, a key blocked in the UI is refused, no console errors.
// Saves docs/screenshots/*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MASTER, SCREENSHOTS, openDashboard, type Dashboard } from '../helpers/dashboard.ts';
import { helixSql, waitFor } from '../helpers/processes.ts';
import { chat } from '../helpers/traffic.ts';

void describe('the dashboard in a browser', () => {
  let d: Dashboard;

  before(async () => {
    d = await openDashboard();
  });

  after(async () => {
    await d?.close();
  });

  void it('refuses a virtual key and a wrong key at sign-in', async () => {
    await d.signIn(d.keys[0]!.key);
    await d.page.waitForSelector('[role=alert]');
    assert.match(await d.page.textContent('[role=alert]') ?? '', /not an admin key/);
    const wrong = await fetch(`${d.p.gatewayUrl}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'sk-wrong' }) });
    assert.equal(wrong.status, 401);
    d.consoleErrors.length = 0; // the refused sign-ins' 401/403 are logged by the browser as failed loads
  });

  void it("signs in with the master key and shows the traffic's numbers on the Overview, as helix sql counts them", async () => {
    await d.signIn(MASTER);
    await d.page.waitForSelector('[data-testid=overview] [data-testid=stat-requests]');
    const [row] = await helixSql<{ n: string }>(d.p.env, "SELECT sum(requests) AS n FROM helix.v_usage_1m WHERE minute >= now() - INTERVAL 1 DAY");
    const expected = Number(row?.n);
    assert.equal(expected, d.sent);
    await waitFor('the Overview request count', async () => (await d.page.textContent('[data-testid=stat-requests]'))?.replaceAll(',', '') === String(expected), 20_000);
    for (const chart of ['chart-traffic', 'chart-latency', 'chart-spend']) assert.equal(await d.page.locator(`[data-testid=${chart}] canvas`).count(), 1, chart);
    // The session lives in an HttpOnly cookie only: not readable by the page, not in storage or the URL.
    assert.equal(await d.page.evaluate('document.cookie'), '');
    assert.equal(await d.page.evaluate('localStorage.length + sessionStorage.length'), 0);
    assert.ok(!d.page.url().includes(MASTER));
    await d.screenshot('overview');
  });

  void it('creates a key that answers a request, and blocks it so it is refused', async () => {
    await d.open('keys');
    await d.page.fill('input[name=key_alias]', 'made-in-the-ui');
    await d.page.fill('input[name=max_budget]', '5');
    await d.page.click('.create-key button[type=submit]');
    const newKey = (await d.page.textContent('[data-testid=new-key]', { timeout: 10_000 })) ?? '';
    assert.match(newKey, /^sk-/);
    assert.equal(await chat(d.p.gatewayUrl, newKey, { model: 'mock/echo', content: 'hello from a key made in the UI' }), 200);

    const row = d.page.locator('tr[data-key-alias="made-in-the-ui"]');
    await row.getByRole('button', { name: 'Block' }).click();
    await row.locator('td.blocked').waitFor({ timeout: 10_000 });
    await waitFor('the blocked key to be refused', async () => (await chat(d.p.gatewayUrl, newKey, { model: 'mock/echo', content: 'still there?' })) === 401, 10_000);
    await d.screenshot('keys');
  });

  void it('lets the session cookie reach the admin API only with the CSRF header for writes, and ends it on sign-out', async () => {
    const cookie = (await d.page.context().cookies()).find((c) => c.name === 'helix_ui_session');
    assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict');
    const headers = { cookie: `helix_ui_session=${cookie.value}`, 'content-type': 'application/json' };
    assert.equal((await fetch(`${d.p.gatewayUrl}/key/list`, { headers })).status, 200);
    const noCsrf = await fetch(`${d.p.gatewayUrl}/key/generate`, { method: 'POST', headers, body: '{}' });
    assert.equal(noCsrf.status, 403);
    assert.equal(((await noCsrf.json()) as { error: { code: string } }).error.code, 'forbidden');
    const badQuery = await fetch(`${d.p.gatewayUrl}/ui/api/query/totals?range=forever`, { headers });
    assert.equal(badQuery.status, 400);
    assert.equal((await fetch(`${d.p.gatewayUrl}/ui/api/query/drop_everything`, { headers })).status, 404);

    assert.deepEqual(d.consoleErrors, [], 'the pages loaded and refreshed without console errors');

    await d.page.click('button.sign-out');
    await d.page.waitForSelector('input[name=key]');
    await waitFor('the session to end', async () => (await fetch(`${d.p.gatewayUrl}/key/list`, { headers })).status === 401, 5_000);
    await d.page.reload();
    await d.page.waitForSelector('input[name=key]');
    await d.page.screenshot({ path: `${SCREENSHOTS}/sign-in.png` });
  });
});
