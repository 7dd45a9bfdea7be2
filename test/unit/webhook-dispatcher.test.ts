// Deliveries on the test run's Redis to receivers on 127.0.0.1: signed and delivered once; a failing receiver gets
// the configured attempts with growing delays, then the delivery is dead-lettered; a refused target is
// dead-lettered without a request; every attempt is recorded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRedis, type RedisClient as Redis } from '../../lib/redis.ts';
import { createDispatcher } from '../../consumers/webhooks/dispatcher.ts';
import { createTargetGuard } from '../../consumers/webhooks/address-guard.ts';
import { DeliveryQueue, type Delivery } from '../../consumers/webhooks/queue.ts';
import { verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER, ATTEMPT_HEADER, ID_HEADER } from '../../consumers/webhooks/signing.ts';
import { analyticsSettings, type WebhookEndpoint } from '../../schemas/config/analytics.ts';
import type { AnomalyEvent, WebhookDeliveryEvent } from '../../schemas/events/anomaly.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/traffic.ts';
import { waitFor } from '../helpers/processes.ts';

const SECRET = 'whsec_unit_test_secret_01';

function anomaly(): AnomalyEvent {
  return {
    event_id: randomUUID(), type: 'anomaly', schema_version: 1, ts: new Date().toISOString(), request_id: '', key_id: 'key_1', team_id: 'team_1', user_id: '',
    kind: 'spend_spike', severity: 'critical', dimension: 'key', entity: 'key_1', metric: 'spend_usd', observed: 12.5, baseline: 0.4, threshold: 1.2, score: 40,
    samples: 120, window_start: new Date().toISOString(), window_seconds: 60, history_windows: 60, summary: 'Spend spike for key key_1', details: '{"sigma":0.1}',
  };
}

describe('webhook dispatcher (Redis, local receivers)', () => {
  let redis: Redis;
  let ok: WebhookReceiver;
  let failing: WebhookReceiver;
  let queue: DeliveryQueue;
  const records: WebhookDeliveryEvent[] = [];
  const deadLettered: Array<{ delivery: Delivery; anomaly: AnomalyEvent | undefined; reason: string }> = [];
  let dispatcher: ReturnType<typeof createDispatcher>;

  before(async () => {
    redis = createRedis(process.env.HELIX_REDIS_URL ?? 'redis://127.0.0.1:6379');
    ok = await startWebhookReceiver();
    failing = await startWebhookReceiver();
    failing.respondWith(500);
    const endpoint = (name: string, url: string, format: WebhookEndpoint['format'] = 'json') => ({ name, url, secret: SECRET, format });
    const settings = analyticsSettings({
      webhooks: {
        allow_loopback: true,
        max_attempts: 3,
        backoff_initial_ms: 150,
        backoff_max_ms: 1_000,
        timeout_ms: 2_000,
        endpoints: [endpoint('ok', ok.url), endpoint('slack', ok.url.replace('/hooks/helix', '/slack'), 'slack'), endpoint('broken', failing.url), endpoint('metadata', 'http://169.254.169.254/latest/meta-data/')],
      },
    }).webhooks;
    queue = new DeliveryQueue(redis, `test:webhooks:${randomBytes(4).toString('hex')}:`, 60_000);
    dispatcher = createDispatcher({
      queue,
      settings,
      guard: createTargetGuard({ allowLoopback: true, allowPrivateNetworks: true, allowCidrs: [] }),
      record: (e) => records.push(e),
      deadLetter: async (delivery, a, reason) => {
        deadLettered.push({ delivery, anomaly: a, reason });
      },
      pollMs: 20,
    });
    dispatcher.start();
  });
  after(async () => {
    await dispatcher.stop();
    await ok.close();
    await failing.close();
    redis.disconnect();
  });

  it('delivers a signed anomaly once, and a redelivered anomaly is not queued again', async () => {
    const a = anomaly();
    assert.equal(await queue.enqueue(`${a.event_id}:ok`, JSON.stringify(a), 'ok', Date.now()), true);
    assert.equal(await queue.enqueue(`${a.event_id}:ok`, JSON.stringify(a), 'ok', Date.now()), false);
    dispatcher.poke();
    const got = await waitFor('delivery', async () => ok.received.find((r) => r.headers[ID_HEADER] === a.event_id), 5_000, 20);
    const verified = verifySignature(SECRET, got.body, { signature: got.headers[SIGNATURE_HEADER], timestamp: got.headers[TIMESTAMP_HEADER] });
    assert.deepEqual(verified, { ok: true });
    const payload = JSON.parse(got.body) as { id: string; type: string; anomaly: { entity: string; details: { sigma: number } } };
    assert.equal(payload.id, a.event_id);
    assert.equal(payload.anomaly.entity, 'key_1');
    assert.equal(payload.anomaly.details.sigma, 0.1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(ok.received.filter((r) => r.headers[ID_HEADER] === a.event_id).length, 1);
    const mine = records.filter((r) => r.anomaly_id === a.event_id);
    assert.deepEqual(mine.map((r) => [r.endpoint, r.status, r.attempt, r.http_status]), [['ok', 'delivered', 1, 200]]);
    assert.equal(mine[0]!.target, ok.url);
  });

  it('sends the Slack-compatible format when configured', async () => {
    const a = anomaly();
    await queue.enqueue(`${a.event_id}:slack`, JSON.stringify(a), 'slack', Date.now());
    dispatcher.poke();
    const got = await waitFor('slack delivery', async () => ok.received.find((r) => r.headers[ID_HEADER] === a.event_id), 5_000, 20);
    const slack = JSON.parse(got.body) as { text: string; blocks: unknown[] };
    assert.match(slack.text, /Spend spike for key key_1/);
    assert.ok(slack.blocks.length >= 2);
  });

  it('retries a failing receiver with backoff, then dead-letters the delivery', async () => {
    const a = anomaly();
    await queue.enqueue(`${a.event_id}:broken`, JSON.stringify(a), 'broken', Date.now());
    dispatcher.poke();
    await waitFor('dead letter', async () => deadLettered.find((d) => d.delivery.id === `${a.event_id}:broken`), 10_000, 20);
    const attempts = failing.received.filter((r) => r.headers[ID_HEADER] === a.event_id);
    assert.deepEqual(attempts.map((r) => r.headers[ATTEMPT_HEADER]), ['1', '2', '3']);
    // 150 ms then 300 ms (±20 % jitter) between attempts.
    const gaps = attempts.slice(1).map((r, i) => r.at - attempts[i]!.at);
    assert.ok(gaps[0]! >= 110 && gaps[1]! >= 230, `backoff grows: ${gaps.join(', ')} ms`);
    const mine = records.filter((r) => r.anomaly_id === a.event_id);
    assert.deepEqual(mine.map((r) => [r.status, r.attempt, r.http_status]), [['failed', 1, 500], ['failed', 2, 500], ['dead_lettered', 3, 500]]);
    assert.ok(Date.parse(mine[0]!.next_attempt_at) > Date.parse(mine[0]!.ts), 'a failed attempt says when the next one is due');
    assert.match(deadLettered.find((d) => d.delivery.id === `${a.event_id}:broken`)!.reason, /HTTP 500 after 3 attempts/);
    assert.equal(await queue.pending(), 0);
  });

  it('dead-letters a delivery to a metadata address without sending anything', async () => {
    const a = anomaly();
    await queue.enqueue(`${a.event_id}:metadata`, JSON.stringify(a), 'metadata', Date.now());
    dispatcher.poke();
    const dead = await waitFor('refused', async () => deadLettered.find((d) => d.delivery.id === `${a.event_id}:metadata`), 5_000, 20);
    assert.match(dead.reason, /target refused: 169\.254\.169\.254 is a metadata address/);
    const mine = records.filter((r) => r.anomaly_id === a.event_id);
    assert.deepEqual(mine.map((r) => [r.status, r.attempt]), [['refused', 1]]);
  });

  it('dead-letters a malformed stored delivery once, without sending it, and never claims it again', async () => {
    const notJson = `${randomUUID()}:ok`;
    const notAnomaly = `${randomUUID()}:ok`;
    const receivedBefore = ok.received.length;
    await queue.enqueue(notJson, '{"type":"anomaly","event_id":', 'ok', Date.now());
    await queue.enqueue(notAnomaly, JSON.stringify({ ...anomaly(), observed: 'a lot' }), 'ok', Date.now());
    dispatcher.poke();
    for (const id of [notJson, notAnomaly]) await waitFor(`dead letter of ${id}`, async () => deadLettered.some((d) => d.delivery.id === id), 5_000, 20);
    const dead = (id: string) => deadLettered.filter((d) => d.delivery.id === id);
    assert.match(dead(notJson)[0]!.reason, /^malformed delivery: anomaly is not JSON$/);
    assert.match(dead(notAnomaly)[0]!.reason, /^malformed delivery: \/observed: /);
    assert.equal(dead(notJson)[0]!.anomaly, undefined);
    // Long past any lease: nothing of them is due again, and nothing was sent.
    const claimable = await queue.claim(Date.now() + 3_600_000, 1_000, 100);
    assert.deepEqual(claimable.filter((d) => d.id === notJson || d.id === notAnomaly), []);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(dead(notJson).length + dead(notAnomaly).length, 2, 'dead-lettered once each');
    assert.equal(ok.received.length, receivedBefore, 'nothing was sent');
  });
});
