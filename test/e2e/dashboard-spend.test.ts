// The Spend page in a real headless Chromium against a real gateway, consumers, Kafka, Redis and ClickHouse: traffic
// of two teams with tags and end users, budgets on a team, a tag and an end user, and a key with a small max_budget
// whose spend fires budget alerts. The page's per-team, per-tag and per-end-user spend equal `helix sql`'s over the
// same range, budget burn shows the /…/info spend against each limit, the key's alerts are listed, no console
// errors. Saves docs/screenshots/spend.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MASTER, openDashboard, type Dashboard } from '../helpers/dashboard.ts';
import { helixSql, waitFor } from '../helpers/processes.ts';
import { createKey, runCalls, type ChatCall, type TrafficKey } from '../helpers/traffic.ts';

const TAG_SETS = [['prod'], ['prod', 'search'], [], ['batch']];
const END_USERS = ['cust-1', 'cust-2', ''];

/** Priced calls of each key with rotating tags and end users (OpenAI's `user` field). */
function taggedCalls(keys: TrafficKey[], rounds: number): Array<{ apiKey: string; call: ChatCall }> {
  return Array.from({ length: rounds }, (_, r) =>
    keys.map((k, i) => {
      const n = r * keys.length + i;
      const tags = TAG_SETS[n % TAG_SETS.length]!;
      const user = END_USERS[n % END_USERS.length]!;
      const body = { ...(user ? { user } : {}), ...(tags.length ? { metadata: { tags } } : {}) };
      return { apiKey: k.key, call: { model: n % 3 === 0 ? 'mock/fixed' : 'mock/echo', content: `Spend item ${n}: summarize the quarter`, body } };
    }),
  ).flat();
}

async function admin(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, `${path}: ${await res.text()}`);
}

/** `name → spend` from helix sql rows. */
const spendMap = (rows: Array<{ name: string; spend_usd: string | number }>) => new Map(rows.map((r) => [r.name, Number(r.spend_usd)]));
const sameSpend = (a: Map<string, number>, b: Map<string, number>) => a.size === b.size && [...a].every(([k, v]) => Math.abs((b.get(k) ?? NaN) - v) < 1e-9);

void describe('the Spend page in a browser', () => {
  let d: Dashboard;
  let budgetKey: TrafficKey;

  before(async () => {
    d = await openDashboard({ calls: (keys) => taggedCalls(keys, 8) });
    const url = d.p.gatewayUrl;
    await admin(url, '/team/new', { team_id: 'alpha', max_budget: 100 });
    await admin(url, '/tag/new', { name: 'prod', max_budget: 50 });
    await admin(url, '/customer/new', { user_id: 'cust-1', max_budget: 10 });
    // A small max_tokens keeps each call's worst case under the budget, so calls pass until it is spent.
    budgetKey = await createKey(url, MASTER, { team_id: 'beta', max_budget: 0.002 });
    await runCalls(url, Array.from({ length: 10 }, (_, n) => ({ apiKey: budgetKey.key, call: { model: 'mock/echo', content: `Budgeted call ${n}: a long enough prompt to cost something`, body: { max_tokens: 30, metadata: { tags: ['prod'] } } } })), 1);
    await waitFor('a budget alert of the small key', async () => Number((await helixSql<{ n: string }>(d.p.env, `SELECT count() AS n FROM helix.v_budget_alerts WHERE scope = 'key:${budgetKey.keyId}'`))[0]?.n) > 0, 60_000, 500);
  });

  after(async () => {
    await d?.close();
  });

  /** The page's breakdown rows as `name → spend`. */
  const pageSpend = async () =>
    new Map((await d.page.locator('[data-testid=spend-row]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-name') ?? '', Number(r.getAttribute('data-spend'))] as const))).map(([k, v]) => [k, v]));

  async function expectBreakdown(dimension: string, sql: string): Promise<Map<string, number>> {
    await d.page.click(`[data-testid=spend-group-by] button[data-dimension=${dimension}]`);
    await d.page.waitForSelector(`[data-testid=spend-breakdown][data-dimension=${dimension}]`);
    let expected = new Map<string, number>();
    await waitFor(`the page's spend by ${dimension} to equal helix sql's`, async () => {
      expected = spendMap(await helixSql(d.p.env, sql));
      return sameSpend(expected, await pageSpend());
    }, 30_000, 500);
    return expected;
  }

  void it("shows spend by team, tag and end user as helix sql sums it over the same range", async () => {
    await d.signIn(MASTER);
    await d.page.waitForSelector('[data-testid=overview]');
    await d.open('spend');
    const inRange = 'minute >= toStartOfInterval(now() - INTERVAL 86400 SECOND, INTERVAL 900 SECOND)';
    const teams = await expectBreakdown('team', `SELECT team_id AS name, sum(cost_usd) AS spend_usd FROM helix.v_spend_1m WHERE ${inRange} GROUP BY name`);
    assert.deepEqual([...teams.keys()].sort(), ['alpha', 'beta']);
    assert.ok([...teams.values()].every((v) => v > 0));

    const inDays = 'day >= toDate(now() - INTERVAL 86400 SECOND)';
    const tags = await expectBreakdown('tag', `SELECT tag AS name, sum(cost_usd) AS spend_usd FROM helix.v_spend_by_tag_daily WHERE ${inDays} GROUP BY name`);
    assert.deepEqual([...tags.keys()].sort(), ['', 'batch', 'prod', 'search']);
    assert.equal(await d.page.locator('[data-testid=spend-row][data-name=""] td').first().textContent(), '(untagged)');

    const endUsers = await expectBreakdown('end_user', `SELECT end_user AS name, sum(cost_usd) AS spend_usd FROM helix.v_spend_by_end_user_daily WHERE ${inDays} GROUP BY name`);
    assert.deepEqual([...endUsers.keys()].sort(), ['', 'cust-1', 'cust-2']);
  });

  void it('shows budget burn against each limit and the budget alerts', async () => {
    const row = (kind: string, id: string) => d.page.locator(`[data-testid=budget-row][data-kind=${kind}][data-id="${id}"]`);
    // Spend to date, as /…/info reports it from the ledger.
    const toDate: Array<[string, string, string]> = [
      ['key', budgetKey.keyId, `SELECT sum(cost_usd) AS usd FROM helix.v_spend_daily WHERE key_id = '${budgetKey.keyId}'`],
      ['team', 'alpha', "SELECT sum(cost_usd) AS usd FROM helix.v_spend_daily WHERE team_id = 'alpha'"],
      ['tag', 'prod', "SELECT sum(cost_usd) AS usd FROM helix.v_spend_by_tag_daily WHERE tag = 'prod'"],
      ['customer', 'cust-1', "SELECT sum(cost_usd) AS usd FROM helix.v_spend_by_end_user_daily WHERE end_user = 'cust-1'"],
    ];
    for (const [kind, id, sql] of toDate) {
      await waitFor(`the ${kind} ${id} budget row to show its spend`, async () => {
        const [r] = await helixSql<{ usd: string }>(d.p.env, sql);
        const spent = Number(await row(kind, id).getAttribute('data-spent', { timeout: 1_000 }).catch(() => NaN));
        return spent > 0 && Math.abs(spent - Number(r?.usd)) < 1e-9;
      }, 30_000, 500);
    }
    const keyBurn = (await row('key', budgetKey.keyId).locator('[data-testid=burn-percent]').textContent()) ?? '';
    assert.ok(parseFloat(keyBurn) >= 50, `the small key burned at least half its budget: ${keyBurn}`);

    const alerts = d.page.locator(`[data-testid=alert-row][data-scope="key:${budgetKey.keyId}"]`);
    await alerts.first().waitFor({ timeout: 15_000 });
    const [n] = await helixSql<{ n: string }>(d.p.env, `SELECT count() AS n FROM (SELECT DISTINCT period, threshold FROM helix.v_budget_alerts WHERE scope = 'key:${budgetKey.keyId}')`);
    await waitFor('every alert of the key listed', async () => (await alerts.count()) === Number(n?.n), 15_000);
    assert.deepEqual(d.consoleErrors, [], 'the page loaded and refreshed without console errors');
    await d.screenshot('spend');
  });
});
