// Done-when of the analytics issue, through the real gateway and pipeline: normal traffic, then a spend spike for
// one key; a webhook receiver on 127.0.0.1 gets exactly one signed anomaly for that key within a bounded time and
// verifies it; the anomaly is queryable with `helix sql`; a failing receiver gets retries, then the delivery is
// dead-lettered (recorded in ClickHouse and on the dead-letter topic with its reason).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createKafka } from '../../lib/kafka.ts';
import { topicName } from '../../schemas/topics.ts';
import { ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../consumers/webhooks/signing.ts';
import { startPipeline, helixSql, waitFor, type Pipeline } from '../helpers/processes.ts';
import { createKey, startWebhookReceiver, testModelList, waitForGroups, writeConfig, type TrafficKey, type WebhookReceiver } from '../helpers/traffic.ts';
import { anomalyAnalytics, spendSpike, steadyTraffic } from '../helpers/anomalies.ts';
import { ANOMALY_GROUP } from '../../consumers/anomaly/start.ts';
import { WEBHOOK_GROUP } from '../../consumers/webhooks/start.ts';

const SECRET = 'whsec_e2e_0123456789abcdef';
const BROKEN_SECRET = 'whsec_e2e_broken_0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Payload {
  id: string;
  anomaly: { kind: string; dimension: string; entity: string; key_id: string; observed: number; baseline: number };
}

describe('anomaly detection and signed webhooks, end to end', () => {
  let p: Pipeline;
  let ok: WebhookReceiver;
  let broken: WebhookReceiver;
  let key: TrafficKey;
  let spikeEndedAt = 0;

  before(async () => {
    ok = await startWebhookReceiver();
    broken = await startWebhookReceiver();
    broken.respondWith(503);
    const dir = mkdtempSync(join(tmpdir(), 'helix-anomaly-'));
    const config = writeConfig(dir, {
      model_list: testModelList(),
      helix_settings: {
        analytics: anomalyAnalytics([
          { name: 'ops', url: ok.url, secret: SECRET },
          { name: 'broken', url: broken.url, secret: BROKEN_SECRET },
        ]),
      },
    });
    p = await startPipeline({ HELIX_CONFIG: config });
    const prefix = p.env.HELIX_TOPIC_PREFIX!;
    await waitForGroups((process.env.HELIX_KAFKA_BROKERS ?? '').split(','), [`${prefix}${ANOMALY_GROUP}`, `${prefix}${WEBHOOK_GROUP}`]);
    key = await createKey(p.gatewayUrl, p.env.HELIX_MASTER_KEY!);
  });
  after(async () => {
    await p?.stop();
    await ok?.close();
    await broken?.close();
  });

  it('raises exactly one signed spend anomaly for the spiking key, queryable with helix sql', async (t) => {
    await steadyTraffic(p.gatewayUrl, key.key);
    assert.equal(ok.received.length, 0, 'normal traffic raises nothing');
    const statuses = await spendSpike(p.gatewayUrl, key.key);
    assert.ok(statuses.every((s) => s === 200));
    spikeEndedAt = Date.now();

    const first = await waitFor('a webhook for the spike', async () => ok.received[0], 30_000, 100);
    const latencyS = (first.at - spikeEndedAt) / 1000;
    // Keep listening: a second alert for the same incident would arrive within seconds.
    await sleep(6_000);
    const forKey = ok.received.filter((r) => (JSON.parse(r.body) as Payload).anomaly.entity === key.keyId);
    assert.equal(forKey.length, 1, `exactly one anomaly for the key (got ${forKey.length}; all: ${ok.received.map((r) => r.body).join('\n')})`);
    const hook = forKey[0]!;
    assert.deepEqual(verifySignature(SECRET, hook.body, { signature: hook.headers[SIGNATURE_HEADER], timestamp: hook.headers[TIMESTAMP_HEADER] }), { ok: true });
    assert.deepEqual(verifySignature(BROKEN_SECRET, hook.body, { signature: hook.headers[SIGNATURE_HEADER], timestamp: hook.headers[TIMESTAMP_HEADER] }).ok, false);
    const payload = JSON.parse(hook.body) as Payload;
    assert.equal(hook.headers[ID_HEADER], payload.id);
    assert.equal(payload.anomaly.kind, 'spend_spike', 'spend wins over tokens: one incident, one alert');
    assert.equal(payload.anomaly.dimension, 'key');
    assert.equal(payload.anomaly.key_id, key.keyId);
    assert.ok(payload.anomaly.observed > 4 * payload.anomaly.baseline);
    assert.ok(latencyS < 20, `alert ${latencyS.toFixed(1)} s after the spike`);
    t.diagnostic(`webhook ${latencyS.toFixed(1)} s after the spike's last response; observed $${payload.anomaly.observed.toFixed(3)} vs usual $${payload.anomaly.baseline.toFixed(4)}`);

    const rows = await waitFor(
      'the anomaly in ClickHouse',
      async () => {
        const r = await helixSql<{ anomaly_id: string; kind: string; entity: string; delivered_endpoints: number }>(
          p.env,
          `SELECT anomaly_id, kind, entity, delivered_endpoints FROM helix.v_anomalies WHERE entity = '${key.keyId}'`,
        );
        return r.length > 0 && r[0]!.delivered_endpoints === 1 ? r : undefined;
      },
      30_000,
      1_000,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.anomaly_id, payload.id);
    assert.equal(rows[0]!.kind, 'spend_spike');
  });

  it('retries the failing receiver with backoff, then dead-letters the delivery', async () => {
    const [anomalyId] = (JSON.parse(ok.received[0]!.body) as Payload).id.split(',');
    const attempts = await waitFor('three attempts at the broken receiver', async () => {
      const mine = broken.received.filter((r) => r.headers[ID_HEADER] === anomalyId);
      return mine.length >= 3 ? mine : undefined;
    }, 30_000, 100);
    assert.equal(attempts.length, 3);
    assert.ok(attempts[1]!.at - attempts[0]!.at >= 200, 'backoff between attempts');
    assert.deepEqual(verifySignature(BROKEN_SECRET, attempts[2]!.body, { signature: attempts[2]!.headers[SIGNATURE_HEADER], timestamp: attempts[2]!.headers[TIMESTAMP_HEADER] }), { ok: true });

    const rows = await waitFor(
      'delivery attempts in ClickHouse',
      async () => {
        const r = await helixSql<{ endpoint: string; attempt: number; status: string; http_status: number }>(
          p.env,
          `SELECT endpoint, attempt, status, http_status FROM helix.v_webhook_deliveries WHERE anomaly_id = '${anomalyId}' ORDER BY endpoint, attempt`,
        );
        return r.length >= 4 ? r : undefined;
      },
      30_000,
      1_000,
    );
    assert.deepEqual(rows.map((r) => [r.endpoint, r.attempt, r.status, r.http_status]), [
      ['broken', 1, 'failed', 503],
      ['broken', 2, 'failed', 503],
      ['broken', 3, 'dead_lettered', 503],
      ['ops', 1, 'delivered', 200],
    ]);

    // The dead-letter topic has the delivery, with the reason in its headers.
    const kafka = createKafka((process.env.HELIX_KAFKA_BROKERS ?? '').split(','), 'test-dlq-reader');
    const consumer = kafka.consumer({ groupId: `test-dlq-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const found: Array<{ reason: string; value: string }> = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topicName('deadLetter', p.env.HELIX_TOPIC_PREFIX)], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          found.push({ reason: message.headers?.['x-helix-reason']?.toString() ?? '', value: message.value?.toString() ?? '' });
        },
      });
      const dead = await waitFor('the dead-lettered webhook', async () => found.find((m) => m.value.includes(anomalyId!)), 20_000, 100);
      assert.match(dead.reason, /^webhook broken: HTTP 503 after 3 attempts/);
    } finally {
      await consumer.disconnect();
    }
    assert.equal(ok.received.filter((r) => r.headers[ID_HEADER] === anomalyId).length, 1, 'the healthy endpoint still got it exactly once');
  });
});
