// The dashboard's Requests page in a real Chromium against a real gateway, consumers and ClickHouse: traffic through two
// keys is listed newest first; a searched request id shows the row helix sql has (model, status, tokens); a key id
// search lists exactly that key's requests; prompts appear only with helix_settings.log_prompts on (and post-PII
// even then). Saves docs/screenshots/requests.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDashboard, type Dashboard } from '../helpers/dashboard.ts';
import { helixSql, waitFor } from '../helpers/processes.ts';

interface SqlRow {
  request_id: string;
  key_id: string;
  model: string;
  status: string;
  http_status: number | string;
  total_tokens: number | string;
}

const rowsShown = (d: Dashboard) => d.page.locator('[data-testid=requests-table] tbody tr');
const cell = (d: Dashboard, requestId: string, col: string) => d.page.textContent(`tr[data-request-id="${requestId}"] td[data-col=${col}]`);

async function search(d: Dashboard, value: string): Promise<void> {
  await d.page.fill('[data-testid=requests] input[name=q]', value);
  await d.page.click('[data-testid=requests] form[role=search] button[type=submit]');
}

/** The session cookie, to call the query endpoint as the page does. */
async function cookieHeader(d: Dashboard): Promise<Record<string, string>> {
  const cookie = (await d.page.context().cookies()).find((c) => c.name === 'helix_ui_session');
  assert.ok(cookie);
  return { cookie: `helix_ui_session=${cookie.value}` };
}

void describe('the Requests page (log_prompts off)', () => {
  let d: Dashboard;

  before(async () => {
    d = await openDashboard();
    await d.signIn();
    await d.page.waitForSelector('[data-testid=overview]');
    await d.open('requests');
  });

  after(async () => {
    await d?.close();
  });

  void it('lists the traffic of both keys, and a searched request id shows the row helix sql has', async () => {
    await waitFor('every request listed', async () => (await rowsShown(d).count()) === d.sent, 20_000);
    const sql = await helixSql<SqlRow>(d.p.env, `SELECT request_id, key_id, model, status, http_status, total_tokens FROM helix.v_requests WHERE key_id = '${d.keys[1]!.keyId}' AND status = 'ok' AND cache NOT IN ('exact', 'semantic') ORDER BY ts DESC LIMIT 1`);
    const want = sql[0]!;
    assert.ok(Number(want.total_tokens) > 0);
    await search(d, want.request_id);
    await waitFor('only the searched request', async () => (await rowsShown(d).count()) === 1 && (await d.page.locator(`tr[data-request-id="${want.request_id}"]`).count()) === 1, 10_000);
    assert.equal((await cell(d, want.request_id, 'model'))?.trim(), want.model);
    assert.equal((await cell(d, want.request_id, 'status'))?.trim(), `${want.status} ${want.http_status}`);
    assert.equal((await cell(d, want.request_id, 'tokens'))?.replaceAll(',', ''), String(want.total_tokens));
    assert.match((await cell(d, want.request_id, 'who')) ?? '', new RegExp(want.key_id));
  });

  void it('lists exactly one key when searched by its key id', async () => {
    const key = d.keys[0]!;
    const [n] = await helixSql<{ n: string }>(d.p.env, `SELECT count() AS n FROM helix.v_requests WHERE key_id = '${key.keyId}'`);
    assert.ok(Number(n?.n) > 0 && Number(n?.n) < d.sent);
    await search(d, key.keyId);
    await waitFor("that key's requests", async () => (await rowsShown(d).count()) === Number(n?.n), 10_000);
    const who = await d.page.locator('[data-testid=requests-table] td[data-col=who] code').allTextContents();
    assert.deepEqual(new Set(who), new Set([key.keyId]));
    await search(d, 'no-such-request');
    await d.page.waitForSelector('[data-testid=requests] .empty');
    await search(d, '');
    await waitFor('the whole log again', async () => (await rowsShown(d).count()) === d.sent, 10_000);
  });

  void it('shows no prompt: no prompt column, no prompt text in the page or the query answer', async () => {
    const html = await d.page.content();
    for (const text of ['capital of France', 'of the ledger in one line', 'jane.doe@example.com']) assert.ok(!html.includes(text), text);
    assert.equal(await d.page.locator('[data-testid=requests-table] td[data-col=prompt]').count(), 0);
    const headers = await cookieHeader(d);
    const answer = (await (await fetch(`${d.p.gatewayUrl}/ui/api/query/requests?range=1h`, { headers })).json()) as { data: Array<Record<string, unknown>> };
    assert.equal(answer.data.length, d.sent);
    assert.ok(answer.data.every((r) => !('prompt' in r)));
    // Search and page are bounded, refused in the admin API's error shape.
    for (const bad of [`q=${'x'.repeat(201)}`, 'page=-1', 'page=abc', 'page=99999', 'q=a&q=b']) {
      const res = await fetch(`${d.p.gatewayUrl}/ui/api/query/requests?${bad}`, { headers });
      assert.equal(res.status, 400, bad);
      assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'invalid_request_error', bad);
    }
    assert.deepEqual(d.consoleErrors, []);
    await d.screenshot('requests');
  });
});

void describe('the Requests page (log_prompts on)', () => {
  let d: Dashboard;
  const PROMPT = 'Describe the request log page in three words';

  before(async () => {
    d = await openDashboard({
      helixSettings: { log_prompts: true },
      calls: (keys) => keys.flatMap((k) => [
        { apiKey: k.key, call: { model: 'mock/echo', content: `${PROMPT} (${k.teamId})` } },
        { apiKey: k.key, call: { model: 'mock/echo', content: 'Please email the report to jane.doe@example.com today' } },
      ]),
    });
    await d.signIn();
    await d.page.waitForSelector('[data-testid=overview]');
    await d.open('requests');
  });

  after(async () => {
    await d?.close();
  });

  void it("shows each request's prompt as the request event holds it, after PII handling", async () => {
    await waitFor('every request listed', async () => (await rowsShown(d).count()) === d.sent, 20_000);
    const [row] = await helixSql<{ request_id: string }>(d.p.env, `SELECT request_id FROM helix.requests WHERE prompt LIKE '%(alpha)%' LIMIT 1`);
    assert.ok(row);
    assert.match((await cell(d, row.request_id, 'prompt')) ?? '', new RegExp(`user: ${PROMPT} \\(alpha\\)`));
    assert.equal(await d.page.locator('[data-testid=requests-table] th', { hasText: 'prompt' }).count(), 1);
    assert.ok(!(await d.page.content()).includes('jane.doe@example.com'), 'raw PII never shown');
    assert.deepEqual(d.consoleErrors, []);
  });
});
