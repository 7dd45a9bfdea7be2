// The Teams page and the key management on the Keys page, in a real headless Chromium against a real gateway,
// consumers, Kafka, Redis and ClickHouse: a team created in the UI with a budget, a key of that team answers and the
// team's spend on the page equals `helix sql`'s; limits and members changed in the UI reach the admin API; the team
// blocked in the UI refuses its key (403); a key rotated in the UI refuses its old secret (401) and takes the new one;
// a key's rate limits set in the UI. No console errors. Saves docs/screenshots/teams.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MASTER, openDashboard, type Dashboard } from '../helpers/dashboard.ts';
import { helixSql, waitFor } from '../helpers/processes.ts';
import { chat, createKey, type TrafficKey } from '../helpers/traffic.ts';

const TEAM = 'payments';
const adminGet = async <T,>(d: Dashboard, path: string): Promise<T> => (await (await fetch(`${d.p.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${MASTER}` } })).json()) as T;
const dollars = (text: string | null) => Number((text ?? '').replace(/[$,]/g, ''));
const hello = (content: string) => ({ model: 'mock/echo', content });

void describe('the Teams page in a browser', () => {
  let d: Dashboard;
  let teamKey: TrafficKey;

  before(async () => {
    d = await openDashboard();
    await d.signIn(MASTER);
    await d.page.waitForSelector('[data-testid=overview]');
  });

  after(async () => {
    await d?.close();
  });

  void it('creates a team with a budget and limits, whose key answers; the page shows its spend as helix sql sums it', async () => {
    await d.open('teams');
    const form = d.page.locator('form.create-team');
    await form.locator('input[name=team_alias]').fill('Payments');
    await form.locator('input[name=team_id]').fill(TEAM);
    await form.locator('input[name=max_budget]').fill('10');
    await form.locator('input[name=budget_duration]').fill('30d');
    await form.locator('input[name=rpm_limit]').fill('100');
    await form.locator('button[type=submit]').click();
    const row = d.page.locator(`tr[data-team-id="${TEAM}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.locator('[data-testid=team-limits]').textContent(), '$10.00 / 30d · 100 rpm');
    const team = await adminGet<{ team_info: { max_budget: number; budget_duration: string; rpm_limit: number } }>(d, `/team/info?team_id=${TEAM}`);
    assert.deepEqual([team.team_info.max_budget, team.team_info.budget_duration, team.team_info.rpm_limit], [10, '30d', 100]);

    teamKey = await createKey(d.p.gatewayUrl, MASTER, { team_id: TEAM });
    for (let i = 0; i < 3; i++) assert.equal(await chat(d.p.gatewayUrl, teamKey.key, hello(`team request ${i}`)), 200);
    const sql = async () =>
      (await helixSql<{ usd: string; n: string }>(d.p.env, `SELECT sum(cost_usd) AS usd, sum(requests) AS n FROM helix.v_spend_daily WHERE team_id = '${TEAM}' AND day >= today() - 30`))[0];
    await waitFor("the team's requests in ClickHouse", async () => Number((await sql())?.n) === 3, 60_000, 500);
    const expected = Number((await sql())?.usd);
    assert.ok(expected > 0, 'the priced mock model costs something');
    await waitFor("the team's spend on the page", async () => Math.abs(dollars(await row.locator('[data-testid=team-spend]').textContent()) - expected) < 5e-7, 20_000);
    assert.equal(await row.locator('[data-testid=team-requests]').textContent(), '3');
  });

  void it('changes the limits and the members in the UI', async () => {
    const row = d.page.locator(`tr[data-team-id="${TEAM}"]`);
    await row.getByRole('button', { name: 'Limits' }).click();
    const limits = d.page.locator('[data-testid=team-limits-form]');
    await limits.locator('input[name=rpm_limit]').fill('50');
    await limits.locator('input[name=tpm_limit]').fill('20000');
    await limits.getByRole('button', { name: 'Save limits' }).click();
    await waitFor('the new limits on the page', async () => (await row.locator('[data-testid=team-limits]').textContent()) === '$10.00 / 30d · 50 rpm · 20,000 tpm', 10_000);
    const info = await adminGet<{ team_info: { rpm_limit: number; tpm_limit: number } }>(d, `/team/info?team_id=${TEAM}`);
    assert.deepEqual([info.team_info.rpm_limit, info.team_info.tpm_limit], [50, 20_000]);

    await row.getByRole('button', { name: 'Members' }).click();
    const members = d.page.locator('[data-testid=team-members]');
    await members.locator('input[name=member_user_id]').fill('ana');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.locator('li[data-member=ana]').waitFor({ timeout: 10_000 });
    await members.locator('input[name=member_user_id]').fill('ben');
    await members.locator('select[name=member_role]').selectOption('admin');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.locator('li[data-member=ben]').waitFor({ timeout: 10_000 });
    await members.locator('li[data-member=ana]').getByRole('button', { name: 'Remove' }).click();
    await members.locator('li[data-member=ana]').waitFor({ state: 'detached', timeout: 10_000 });
    const team = await adminGet<{ team_info: { members_with_roles: Array<{ user_id: string; role: string }> } }>(d, `/team/info?team_id=${TEAM}`);
    assert.deepEqual(team.team_info.members_with_roles.map((m) => [m.user_id, m.role]), [['ben', 'admin']]);
    assert.equal(await row.locator('[data-testid=team-member-count]').textContent(), '1');
    await d.screenshot('teams');
  });

  void it("blocks the team in the UI so its key is refused (403), and unblocks it", async () => {
    const row = d.page.locator(`tr[data-team-id="${TEAM}"]`);
    await row.getByRole('button', { name: 'Block' }).click();
    await row.locator('td.blocked').waitFor({ timeout: 10_000 });
    await waitFor("the blocked team's key to be refused", async () => (await chat(d.p.gatewayUrl, teamKey.key, hello('blocked?'))) === 403, 10_000);
    await row.getByRole('button', { name: 'Unblock' }).click();
    await row.locator('td.active').waitFor({ timeout: 10_000 });
    await waitFor("the team's key to answer again", async () => (await chat(d.p.gatewayUrl, teamKey.key, hello('back?'))) === 200, 10_000);
  });

  void it('rotates a key in the UI: the old secret is refused (401), the new one (shown once) works; sets its rate limits', async () => {
    await d.open('keys');
    const row = d.page.locator(`tr[data-key-alias="${teamKey.alias}"]`);
    d.page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Rotate' }).click();
    const secret = (await d.page.textContent('[data-testid=rotated-key]', { timeout: 10_000 })) ?? '';
    assert.match(secret, /^sk-/);
    assert.notEqual(secret, teamKey.key);
    await waitFor('the old secret to be refused', async () => (await chat(d.p.gatewayUrl, teamKey.key, hello('old secret'))) === 401, 10_000);
    assert.equal(await chat(d.p.gatewayUrl, secret, hello('new secret')), 200);

    await row.getByRole('button', { name: 'Limits' }).click();
    const limits = d.page.locator('[data-testid=key-limits-form]');
    await limits.locator('input[name=rpm_limit]').fill('30');
    await limits.locator('input[name=tpm_limit]').fill('5000');
    await limits.getByRole('button', { name: 'Save limits' }).click();
    await waitFor("the key's limits on the page", async () => (await row.locator('[data-testid=key-limits]').textContent()) === '30 rpm · 5,000 tpm', 10_000);
    const info = await adminGet<{ info: { rpm_limit: number; tpm_limit: number } }>(d, `/key/info?key=${teamKey.keyId}`);
    assert.deepEqual([info.info.rpm_limit, info.info.tpm_limit], [30, 5_000]);
  });

  void it('deletes the team in the UI, with its keys, and loaded with no console errors', async () => {
    await d.open('teams');
    const row = d.page.locator(`tr[data-team-id="${TEAM}"]`);
    d.page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    const gone = await fetch(`${d.p.gatewayUrl}/team/info?team_id=${TEAM}`, { headers: { authorization: `Bearer ${MASTER}` } });
    assert.equal(gone.status, 404);
    assert.deepEqual(d.consoleErrors, [], 'the pages loaded and refreshed without console errors');
  });
});
