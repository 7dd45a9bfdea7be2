// PII through the real gateway and pipeline: for every entity and every action, what the provider saw and what
// the client got back; restore in plain and streaming responses; incidents in Kafka and ClickHouse — and no raw
// value anywhere: not in Kafka, ClickHouse, logs or metrics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startPipeline, helixSql, waitFor, type Pipeline } from '../helpers/processes.ts';
import { readEvents } from '../helpers/kafka.ts';
import { startFakeOpenAI, type FakeUpstream } from '../helpers/fake-upstreams.ts';
import { TOPICS, type TopicId } from '../../schemas/topics.ts';

const SAMPLES: Record<string, { text: string; value: string; masked: RegExp }> = {
  EMAIL_ADDRESS: { text: 'Mail jane.doe@acme-corp.com please', value: 'jane.doe@acme-corp.com', masked: /j\*+@acme-corp\.com/ },
  PHONE_NUMBER: { text: 'Call me at +44 20 7946 0958 tonight', value: '+44 20 7946 0958', masked: /\+\*\* \*\* \*{4} 0958/ },
  CREDIT_CARD: { text: 'My card is 4111 1111 1111 1111 thanks', value: '4111 1111 1111 1111', masked: /\*{4}-\*{4}-\*{4}-1111/ },
  US_SSN: { text: 'SSN 536-22-8790 on file', value: '536-22-8790', masked: /\*{3}-\*{2}-8790/ },
  IBAN_CODE: { text: 'Pay to DE89 3704 0044 0532 0130 00 today', value: 'DE89 3704 0044 0532 0130 00', masked: /\*+/ },
  IP_ADDRESS: { text: 'The server is at 81.2.69.160 now', value: '81.2.69.160', masked: /\*/ },
  API_KEY: { text: 'Use key sk-proj-aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3 for it', value: 'sk-proj-aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3', masked: /\*/ },
  PASSWORD: { text: 'Login with password: Tr0ub4dor&3x! ok', value: 'Tr0ub4dor&3x!', masked: /\*/ },
};
const ACTIONS = ['redact', 'mask', 'block', 'restore'] as const;

describe('PII protection through the real pipeline', () => {
  let p: Pipeline;
  let upstream: FakeUpstream;
  const clients = new Map<string, OpenAI>();

  before(async () => {
    upstream = await startFakeOpenAI();
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'helix-pii-cfg-'));
    const config = join(dir, 'helix.yaml');
    writeFileSync(
      config,
      `model_list:
  - model_name: mock/echo
    litellm_params: { model: mock/echo }
  - model_name: recorded
    litellm_params: { model: openai/gpt-4o, api_base: "${upstream.url}/v1", api_key: sk-upstream }
helix_settings:
  pii_protection: { enabled: true, action: redact }
`,
    );
    p = await startPipeline({ HELIX_CONFIG: config, HELIX_PII_HMAC_SECRET: 'pii-test-secret' });
    // One virtual key per action: the per-key override path (metadata.pii_protection).
    for (const action of ACTIONS) {
      const res = await fetch(`${p.gatewayUrl}/key/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.env.HELIX_MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key_alias: `pii-${action}`, metadata: { pii_protection: { action } } }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const { key } = (await res.json()) as { key: string };
      clients.set(action, new OpenAI({ baseURL: `${p.gatewayUrl}/v1`, apiKey: key, maxRetries: 0 }));
    }
  });
  after(async () => {
    await p?.stop();
    await upstream?.close();
  });

  for (const [entity, s] of Object.entries(SAMPLES)) {
    it(`${entity}: redact, mask and block as seen by provider and client`, async () => {
      const ask = (action: string) => clients.get(action)!.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: s.text }] });
      // mock/echo answers with exactly what the provider received.
      const redacted = (await ask('redact')).choices[0]!.message.content!;
      assert.ok(!redacted.includes(s.value) && redacted.includes(`<${entity}>`), `redact: ${redacted}`);
      const masked = (await ask('mask')).choices[0]!.message.content!;
      assert.ok(!masked.includes(s.value) && s.masked.test(masked), `mask: ${masked}`);
      const blocked = await ask('block').then(
        () => assert.fail('block must refuse'),
        (err: unknown) => err as InstanceType<typeof OpenAI.BadRequestError>,
      );
      assert.equal(blocked.status, 400);
      assert.equal((blocked.error as { code?: string }).code, 'pii_detected');
      assert.match(blocked.message, new RegExp(entity));
      assert.ok(!blocked.message.includes(s.value), 'the error names the type, never the value');
    });

    it(`${entity}: restore — the provider sees a placeholder, the client its original text (plain and streaming)`, async () => {
      const client = clients.get('restore')!;
      const r = await client.chat.completions.create({ model: 'recorded', messages: [{ role: 'user', content: s.text }] });
      const sent = JSON.stringify(upstream.last().body);
      assert.ok(!sent.includes(s.value), 'the provider never sees the value');
      assert.match(sent, new RegExp(`<${entity}_1>`));
      assert.equal(r.choices[0]!.message.content, `Echo: ${s.text}`);
      const stream = await client.chat.completions.create({ model: 'recorded', stream: true, messages: [{ role: 'user', content: s.text }] });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      assert.equal(text, `Echo: ${s.text}`);
      assert.ok(!JSON.stringify(upstream.last().body).includes(s.value));
    });
  }

  it('records incidents in Kafka and ClickHouse, and no raw value reaches Kafka, ClickHouse, logs or metrics', async () => {
    const prefix = p.env.HELIX_TOPIC_PREFIX!;
    const entities = Object.keys(SAMPLES);
    const events = await readEvents((process.env.HELIX_KAFKA_BROKERS ?? '').split(','), prefix, ['pii'], (evs) => new Set(evs.map((e) => e.value.entity)).size >= entities.length);
    const first = events.find((e) => e.value.entity === 'EMAIL_ADDRESS')!.value;
    assert.match(String(first.fingerprint), /^[0-9a-f]{32}$/);
    assert.equal(first.direction, 'request');
    // The same value always has the same fingerprint (repeat leaks correlate).
    const emailPrints = new Set(events.filter((e) => e.value.entity === 'EMAIL_ADDRESS').map((e) => e.value.fingerprint));
    assert.equal(emailPrints.size, 1);

    const rows = await waitFor('pii incidents in clickhouse', async () => {
      const r = await helixSql<{ entity: string; actions: string[] }>(p.env, 'SELECT entity, groupUniqArray(action) AS actions FROM helix.pii_incidents GROUP BY entity ORDER BY entity');
      return r.length === entities.length && r.every((x) => x.actions.length === 4) ? r : undefined;
    }, 60_000, 1_000);
    assert.deepEqual(rows.map((r) => r.entity), [...entities].sort());

    // Everything Helix wrote: every topic, every ClickHouse table, both processes' logs, the metrics page.
    const all = await readEvents((process.env.HELIX_KAFKA_BROKERS ?? '').split(','), prefix, Object.keys(TOPICS) as TopicId[], (evs) => evs.length > 0, 10_000);
    const tables = await helixSql<{ name: string }>(p.env, "SELECT name FROM system.tables WHERE database = 'helix'");
    const dumps: string[] = [JSON.stringify(all)];
    for (const { name } of tables) dumps.push(JSON.stringify(await helixSql(p.env, `SELECT * FROM helix.${name}`)));
    dumps.push(readFileSync(p.gateway.logFile, 'utf8'), readFileSync(p.consumers.logFile, 'utf8'));
    dumps.push(await (await fetch(`${p.gatewayUrl}/metrics`)).text());
    const haystack = dumps.join('\n');
    for (const s of Object.values(SAMPLES)) assert.ok(!haystack.includes(s.value), `raw value leaked: ${s.value}`);
    assert.match(dumps.at(-1)!, /helix_pii_detections_total\{entity="EMAIL_ADDRESS",action="restore"\}/);

    // The admin actions that created the four keys are in the audit trail, without their secrets.
    const audit = await helixSql<{ action: string; target_key_alias: string; actor: string }>(p.env, "SELECT action, target_key_alias, actor FROM helix.audit_events WHERE action = 'key.create' ORDER BY target_key_alias");
    assert.deepEqual(audit.map((a) => a.target_key_alias), ['pii-block', 'pii-mask', 'pii-redact', 'pii-restore']);
    assert.ok(audit.every((a) => a.actor === 'master'));
  });
});
