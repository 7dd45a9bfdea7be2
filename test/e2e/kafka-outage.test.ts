// Kafka goes away while requests flow: the gateway keeps answering, events go to the on-disk spool, and even when the
// gateway is killed with SIGKILL during the outage, every event reaches ClickHouse exactly once after the broker and
// the gateway return.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startKafka, type KafkaInstance } from '../../stack/kafka.ts';
import { freePort } from '../../stack/ports.ts';
import { startPipeline, helixSql, waitFor, type Pipeline } from '../helpers/processes.ts';

describe('Kafka outage', () => {
  let kafka: KafkaInstance;
  let p: Pipeline;
  let client: OpenAI;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-outage-'));
    kafka = await startKafka({ port: await freePort(), controllerPort: await freePort(), dataDir: join(dir, 'kafka'), fresh: true });
    const config = join(dir, 'helix.yaml');
    writeFileSync(config, 'model_list:\n  - model_name: mock/echo\n    litellm_params: { model: mock/echo }\n');
    p = await startPipeline({ HELIX_KAFKA_BROKERS: kafka.brokers.join(','), HELIX_CONFIG: config });
    client = new OpenAI({ baseURL: `${p.gatewayUrl}/v1`, apiKey: p.env.HELIX_MASTER_KEY, maxRetries: 0 });
  });
  after(async () => {
    await p?.stop();
    await kafka?.stop();
  });

  const send = async (label: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const stream = i % 3 === 0;
      if (stream) {
        const s = await client.chat.completions.create({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: `${label} ${i}` }] });
        let text = '';
        for await (const c of s) text += c.choices[0]?.delta.content ?? '';
        assert.equal(text, `${label} ${i}`);
      } else {
        const r = await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: `${label} ${i}` }] });
        assert.equal(r.choices[0]?.message.content, `${label} ${i}`);
      }
    }
  };

  it('keeps serving during the outage, and delivers every event exactly once afterwards, even from a gateway killed meanwhile', async () => {
    await send('before', 10);
    await kafka.stop();
    const t0 = Date.now();
    await send('during', 30);
    const duringMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 2_500)); // past the backlog threshold
    const ready = (await (await fetch(`${p.gatewayUrl}/health/ready`)).json()) as {
      status: string;
      components: { kafka: { status: string; spooled: number; queued: number; accepting: boolean } };
    };
    assert.equal(ready.status, 'ready', 'a Kafka outage must not take the gateway out of rotation');
    assert.equal(ready.components.kafka.status, 'degraded');
    assert.equal(ready.components.kafka.accepting, true, 'the spool has room');
    assert.ok(ready.components.kafka.spooled > 0, 'events emitted during the outage are on disk');
    assert.equal(ready.components.kafka.queued, 0, 'none wait in memory');
    assert.ok(duringMs < 15_000, `requests must not wait for Kafka (30 requests took ${duringMs} ms)`);

    // A crash during the outage: what was answered is in the spool, and the next gateway sends it.
    await p.gateway.stop('SIGKILL');
    await kafka.start();
    p.gateway = await p.startGateway();
    await send('after', 10);

    const expected = 2 * 50;
    const counts = await waitFor(
      'all events in clickhouse',
      async () => {
        const [r] = await helixSql<{ rows: number; ids: number }>(
          p.env,
          'SELECT (SELECT count() FROM helix.requests) + (SELECT count() FROM helix.responses) AS rows, (SELECT uniqExact(event_id) FROM helix.requests) + (SELECT uniqExact(event_id) FROM helix.responses) AS ids',
        );
        return r && r.rows >= expected ? r : undefined;
      },
      90_000,
      1_000,
    );
    assert.equal(counts.rows, expected, 'every event exactly once');
    assert.equal(counts.ids, expected);
    const [labels] = await helixSql<{ n: number }>(p.env, "SELECT count() AS n FROM helix.responses WHERE status = 'ok'");
    assert.equal(labels?.n, 50);
  });
});
