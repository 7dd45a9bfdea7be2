// The dashboard's PII and Anomalies pages in a real headless Chromium against a real gateway and consumers: traffic
// whose prompts carry e-mails, phone numbers and cards (masked, redacted, restored), then a spend spike that the
// anomaly consumer turns into a real anomaly, delivered to one webhook receiver and dead-lettered at a failing one.
// Each page's numbers equal `helix sql`'s; no raw PII value appears in the PII page's HTML or its data.
// Saves docs/screenshots/pii.png and anomalies.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDashboard, type Dashboard } from '../helpers/dashboard.ts';
import { helixSql, waitFor } from '../helpers/processes.ts';
import { createKey, mixedCalls, startWebhookReceiver, waitForGroups, type TrafficKey, type WebhookReceiver } from '../helpers/traffic.ts';
import { anomalyAnalytics, spendSpike, steadyTraffic } from '../helpers/anomalies.ts';
import { ANOMALY_GROUP } from '../../consumers/anomaly/start.ts';
import { WEBHOOK_GROUP } from '../../consumers/webhooks/start.ts';

/** Values the prompts carry (and mixedCalls' own PII prompts): none may reach the page. */
const PII_VALUES = ['maria.rossi@example-clinic.org', '+44 20 7946 0321', '5555 5555 5555 4444', 'jane.doe@example.com', '+1 415 555 0132', '4111 1111 1111 1111'];
const PII_PROMPTS = [
  'Forward the lab results to maria.rossi@example-clinic.org please',
  'The patient can be reached on +44 20 7946 0321 after six',
  'Charge the card 5555 5555 5555 4444 for the visit',
];

const DAY = 'INTERVAL 1 DAY';

interface Count {
  entity: string;
  n: string;
}

void describe('the PII and Anomalies pages in a browser', () => {
  let d: Dashboard;
  let ok: WebhookReceiver;
  let broken: WebhookReceiver;

  before(async () => {
    ok = await startWebhookReceiver();
    broken = await startWebhookReceiver();
    broken.respondWith(503);
    d = await openDashboard({
      helixSettings: {
        // One action per entity, so the breakdown has several; every value still leaves the gateway transformed.
        pii_protection: { enabled: true, entity_actions: { EMAIL_ADDRESS: 'mask', PHONE_NUMBER: 'redact', CREDIT_CARD: 'restore' } },
        analytics: anomalyAnalytics([
          { name: 'ops', url: ok.url, secret: 'whsec_ui_0123456789abcdef' },
          { name: 'broken', url: broken.url, secret: 'whsec_ui_broken_0123456789' },
        ]),
      },
      calls: (keys: TrafficKey[]) => [
        ...mixedCalls(keys, 6),
        ...keys.flatMap((k) => PII_PROMPTS.map((content, i) => ({ apiKey: k.key, call: { model: 'mock/echo', content, stream: i === 1 } }))),
      ],
    });
    await d.signIn();
    await d.page.waitForSelector('[data-testid=overview]');
  });

  after(async () => {
    await d?.close();
    await ok?.close();
    await broken?.close();
  });

  void it("shows PII incidents per entity as helix sql counts them, with fingerprints and no raw value", async () => {
    const sqlCounts = async () =>
      Object.fromEntries((await helixSql<Count>(d.p.env, `SELECT entity, sum(incidents) AS n FROM helix.v_pii_1m WHERE minute >= now() - ${DAY} GROUP BY entity`)).map((r) => [r.entity, Number(r.n)]));
    const pageCounts = async () =>
      d.page.$$eval('[data-testid=pii-breakdown] tbody tr', (rows) => {
        const out: Record<string, number> = {};
        for (const r of rows) out[r.getAttribute('data-entity') ?? ''] = (out[r.getAttribute('data-entity') ?? ''] ?? 0) + Number(r.querySelector('td.incidents')?.textContent?.replaceAll(',', '') ?? NaN);
        return out;
      });
    await d.open('pii');
    // The PII topic's sink may lag the requests' one: compare once both are settled (each of our prompts is one incident).
    const [expected, shown] = await waitFor('the PII page to match helix sql', async () => {
      const want = await sqlCounts();
      const total = Object.values(want).reduce((s, n) => s + n, 0);
      if (total < PII_PROMPTS.length * d.keys.length) return undefined;
      const got = await pageCounts();
      return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()) ? [want, got] : undefined;
    }, 60_000, 1_000);
    assert.deepEqual(Object.keys(expected).sort(), ['CREDIT_CARD', 'EMAIL_ADDRESS', 'PHONE_NUMBER']);
    assert.deepEqual(shown, expected);

    // Each entity shows the action configured for it, on the input side.
    const actions = await d.page.$$eval('[data-testid=pii-breakdown] tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-entity')}:${r.getAttribute('data-action')}:${r.getAttribute('data-direction')}`).sort());
    assert.deepEqual(actions, ['CREDIT_CARD:restore:input', 'EMAIL_ADDRESS:mask:input', 'PHONE_NUMBER:redact:input']);
    const total = Object.values(expected).reduce((s, n) => s + n, 0);
    assert.equal((await d.page.textContent('[data-testid=stat-pii-incidents]'))?.replaceAll(',', ''), String(total));
    assert.equal(await d.page.locator('[data-testid=chart-pii] canvas').count(), 1);

    // The latest incidents carry fingerprints, and the page (HTML and the data behind it) no value.
    const prints = await d.page.$$eval('[data-testid=pii-recent] tbody tr td:last-child', (tds) => tds.map((td) => td.textContent ?? ''));
    assert.ok(prints.length > 0 && prints.every((f) => /^[0-9a-f]{32}$/.test(f)), prints.join(' '));
    const html = await d.page.content();
    const data = await d.page.evaluate(async () => Promise.all(['pii_series', 'pii_breakdown', 'pii_recent'].map(async (q) => (await fetch(`/ui/api/query/${q}?range=24h`)).text())));
    for (const value of PII_VALUES) {
      for (const form of [value, value.replaceAll(' ', ''), value.split('@')[0]!]) {
        assert.ok(!html.includes(form), `raw value in the page: ${form}`);
        assert.ok(!data.join('\n').includes(form), `raw value in the page's data: ${form}`);
      }
    }
    await d.screenshot('pii');
  });

  void it('lists a real anomaly and its webhook deliveries as helix sql has them', async (t) => {
    const prefix = d.p.env.HELIX_TOPIC_PREFIX!;
    await waitForGroups((process.env.HELIX_KAFKA_BROKERS ?? '').split(','), [`${prefix}${ANOMALY_GROUP}`, `${prefix}${WEBHOOK_GROUP}`]);
    const key = await createKey(d.p.gatewayUrl, d.p.env.HELIX_MASTER_KEY!);
    // As test/e2e/anomaly-webhooks.test.ts: ~8 windows of light traffic, then the spike for one key.
    const started = Date.now();
    await steadyTraffic(d.p.gatewayUrl, key.key);
    await spendSpike(d.p.gatewayUrl, key.key);
    // Delivered to ops once, dead-lettered at broken after three attempts: four delivery rows for the anomaly.
    const [anomaly] = await waitFor('the anomaly and its deliveries in ClickHouse', async () => {
      const r = await helixSql<{ anomaly_id: string; kind: string; attempts: string }>(d.p.env, `SELECT toString(anomaly_id) AS anomaly_id, kind, delivery_attempts AS attempts FROM helix.v_anomalies WHERE entity = '${key.keyId}'`);
      return r.length === 1 && Number(r[0]!.attempts) >= 4 ? r : undefined;
    }, 60_000, 1_000);
    t.diagnostic(`anomaly in ClickHouse ${((Date.now() - started) / 1000).toFixed(1)} s after the traffic began`);
    assert.equal(anomaly!.kind, 'spend_spike');

    await d.open('anomalies');
    const want = async () => ({
      anomalies: (await helixSql<{ id: string }>(d.p.env, `SELECT toString(anomaly_id) AS id FROM helix.v_anomalies WHERE ts >= now() - ${DAY} ORDER BY id`)).map((r) => r.id),
      summary: (await helixSql<{ endpoint: string; status: string; n: string }>(d.p.env, `SELECT endpoint, status, count() AS n FROM helix.v_webhook_deliveries WHERE ts >= now() - ${DAY} GROUP BY endpoint, status ORDER BY endpoint, status`)).map((r) => `${r.endpoint}:${r.status}:${r.n}`),
    });
    const got = async () => ({
      anomalies: (await d.page.$$eval('[data-testid=anomalies-table] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-anomaly-id') ?? ''))).sort(),
      summary: await d.page.$$eval('[data-testid=webhook-summary] tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-endpoint')}:${r.getAttribute('data-status')}:${r.querySelector('td.attempts')?.textContent?.replaceAll(',', '')}`)),
    });
    const matched = await waitFor('the Anomalies page to match helix sql', async () => {
      const [w, g] = [await want(), await got()];
      return JSON.stringify(w) === JSON.stringify(g) ? g : undefined;
    }, 20_000, 1_000);
    assert.ok(matched.anomalies.includes(anomaly!.anomaly_id));
    for (const pair of ['broken:dead_lettered', 'broken:failed', 'ops:delivered']) assert.ok(matched.summary.some((s) => s.startsWith(`${pair}:`)), `${pair} in ${matched.summary.join(' ')}`);
    const row = d.page.locator(`tr[data-anomaly-id="${anomaly!.anomaly_id}"]`);
    assert.match((await row.textContent()) ?? '', new RegExp(`key: ?${key.keyId}`));
    const observed = Number((await row.locator('td.observed').textContent())?.replaceAll(',', ''));
    const expectedValue = Number((await row.locator('td.expected').textContent())?.replaceAll(',', ''));
    assert.ok(observed > 4 * expectedValue, `observed ${observed} vs expected ${expectedValue}`);
    assert.match((await d.page.textContent('[data-testid=webhook-recent]')) ?? '', /503/);

    assert.deepEqual(d.consoleErrors, [], 'the pages loaded and refreshed without console errors');
    await d.screenshot('anomalies');
  });
});
