// The walking skeleton through the real stack: openai client → gateway → Kafka → ClickHouse sink → `helix sql`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startPipeline, helixSql, waitFor, type Pipeline } from '../helpers/processes.ts';
import { readEvents } from '../helpers/kafka.ts';

const brokers = (process.env.HELIX_KAFKA_BROKERS ?? '').split(',');

describe('walking skeleton on the real stack', () => {
  let p: Pipeline;
  let client: OpenAI;
  before(async () => {
    p = await startPipeline();
    client = new OpenAI({ baseURL: `${p.gatewayUrl}/v1`, apiKey: p.env.HELIX_MASTER_KEY, maxRetries: 0 });
  });
  after(async () => {
    await p?.stop();
  });

  it('serves a normal and a streaming chat completion, and both land in Kafka and ClickHouse', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'mock/echo', messages: [{ role: 'user', content: 'ping through the whole pipeline' }] })
      .withResponse();
    assert.equal(completion.choices[0]?.message.content, 'ping through the whole pipeline');
    assert.ok(completion.usage && completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens === 5);
    const plainId = response.headers.get('x-request-id')!;

    const { data: stream, response: streamResponse } = await client.chat.completions
      .create({ model: 'mock/fixed', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream please' }] })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Hello from the Helix mock provider.');
    assert.ok(usage && usage.completion_tokens > 0);
    const streamId = streamResponse.headers.get('x-request-id')!;

    const prefix = p.env.HELIX_TOPIC_PREFIX!;
    const events = await readEvents(brokers, prefix, ['requests', 'responses'], (evs) => evs.filter((e) => [plainId, streamId].includes(String(e.value.request_id))).length >= 4);
    for (const id of [plainId, streamId]) {
      const mine = events.filter((e) => e.value.request_id === id);
      assert.deepEqual(mine.map((e) => e.value.type).sort(), ['request', 'response']);
      const res = mine.find((e) => e.value.type === 'response')!.value;
      assert.equal(res.status, 'ok');
      assert.equal(res.schema_version, 1);
      assert.ok(Number(res.total_tokens) > 0);
      assert.ok(Number(res.total_ms) >= Number(res.upstream_ms));
    }

    const rows = await waitFor(
      'rows in clickhouse',
      async () => {
        const r = await helixSql<{ request_id: string; type: string; stream: boolean; total_tokens: number }>(
          p.env,
          `SELECT request_id, type, stream, total_tokens FROM helix.responses WHERE request_id IN ('${plainId}', '${streamId}') ORDER BY stream`,
        );
        return r.length === 2 ? r : undefined;
      },
      30_000,
      500,
    );
    assert.deepEqual(rows.map((r) => [r.request_id, r.stream]), [[plainId, false], [streamId, true]]);
    assert.equal(rows[0]!.total_tokens, completion.usage!.total_tokens);
    // `npx helix sql`, as the README has users run it.
    const requests = await helixSql<{ n: number }>(p.env, `SELECT count() AS n FROM requests WHERE request_id IN ('${plainId}', '${streamId}')`, { viaNpx: true });
    assert.equal(requests[0]!.n, 2);
  });

  it('reports Kafka, Redis and the analytics store on /health/ready', async () => {
    const body = (await (await fetch(`${p.gatewayUrl}/health/ready`)).json()) as { status: string; components: Record<string, { status: string }> };
    assert.equal(body.status, 'ready');
    assert.equal(body.components.kafka?.status, 'up');
    assert.equal(body.components.redis?.status, 'up');
    assert.equal(body.components.analytics?.status, 'up');
  });

  it('rejects a query that writes', async () => {
    await assert.rejects(helixSql(p.env, 'DROP TABLE helix.requests'), /only read queries/);
  });

  it('drains in-flight requests and flushes their events on SIGTERM', async () => {
    const inflight = client.chat.completions.create({ model: 'mock/slow', messages: [{ role: 'user', content: 'finish me' }] }).withResponse();
    await new Promise((r) => setTimeout(r, 300));
    const exit = p.gateway.stop('SIGTERM');
    const { data, response } = await inflight;
    assert.equal(data.choices[0]?.message.content, 'Hello from the Helix mock provider.');
    assert.equal(await exit, 0);
    const id = response.headers.get('x-request-id')!;
    const rows = await waitFor('drained request in clickhouse', async () => {
      const r = await helixSql<{ n: number }>(p.env, `SELECT count() AS n FROM helix.responses WHERE request_id = '${id}'`);
      return r[0]?.n === 1 ? r : undefined;
    }, 30_000, 500);
    assert.equal(rows[0]?.n, 1);
  });
});
