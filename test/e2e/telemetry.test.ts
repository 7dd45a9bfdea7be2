// OpenTelemetry through the real processes (gateway + consumers on Kafka and Redis Stack) into a local OTLP/HTTP
// receiver: a chat, a stream, an embedding, an error and a cache hit arrive as GenAI spans whose values are the
// responses' own (tokens = the response's usage), with a child span per provider attempt; the GenAI metrics arrive;
// a caller's traceparent is continued; the configured headers are sent. Then LiteLLM's `callbacks: ["otel"]` with
// OpenTelemetry's environment variables (protobuf), off by default, and a receiver that never answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPipeline, spawnHelix, waitFor, type HelixProcess, type Pipeline } from '../helpers/processes.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts';
import { freePort } from '../../stack/ports.ts';

const run = randomBytes(4).toString('hex');
const AUTH = `Basic ${Buffer.from('pk-lf-test:sk-lf-test').toString('base64')}`;
const TRACE_ID = randomBytes(16).toString('hex');
const PARENT_SPAN_ID = randomBytes(8).toString('hex');
const EMAIL = 'jane.doe@example.com';
const [INPUT_PRICE, OUTPUT_PRICE] = [0.000001, 0.000002];

const modelList = `model_list:
  - model_name: mock/echo
    litellm_params: { model: mock/echo, api_base: "http://127.0.0.1:9999/v1", input_cost_per_token: ${INPUT_PRICE}, output_cost_per_token: ${OUTPUT_PRICE} }
  - model_name: flaky
    litellm_params: { model: mock/fixed, mock_fail_status: 503 }
router_settings: { num_retries: 1 }
`;
const cacheSection = `  semantic_cache: { redis_prefix: "helix:cache:otel-${run}:", redis_index: "helix:semantic:index:otel-${run}", semantic_enabled: false }\n`;

function writeConfig(name: string, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'helix-otel-cfg-'));
  writeFileSync(join(dir, `${name}.yaml`), yaml);
  return join(dir, `${name}.yaml`);
}

interface Answer {
  status: number;
  requestId: string;
  cache: string;
  body: Record<string, unknown>;
}

async function post(url: string, path: string, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  if ((res.headers.get('content-type') ?? '').includes('event-stream')) {
    // The last chunk with usage, and the stream's id.
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const chunk = JSON.parse(line.slice(6)) as Record<string, unknown>;
      parsed = { ...parsed, id: chunk.id, ...(chunk.usage ? { usage: chunk.usage } : {}) };
    }
  } else parsed = JSON.parse(text) as Record<string, unknown>;
  return { status: res.status, requestId: res.headers.get('x-request-id') ?? '', cache: res.headers.get('x-helix-cache') ?? '', body: parsed };
}

const usageOf = (a: Answer) => a.body.usage as { prompt_tokens: number; completion_tokens?: number };
const spanOf = (rx: OtlpReceiver, requestId: string) => rx.spans.find((s) => s.attributes['helix.request_id'] === requestId);
const childrenOf = (rx: OtlpReceiver, span: ReceivedSpan) => rx.spans.filter((s) => s.parentSpanId === span.spanId && s.traceId === span.traceId);
const waitForSpan = (rx: OtlpReceiver, a: Answer) => waitFor(`span of ${a.requestId}`, async () => spanOf(rx, a.requestId), 30_000, 50);

async function spawnGateway(p: Pipeline, name: string, config: string, env: NodeJS.ProcessEnv = {}): Promise<{ gw: HelixProcess; url: string }> {
  const port = await freePort();
  const gw = spawnHelix('gateway/main.ts', { ...p.env, HELIX_PORT: String(port), HELIX_CONFIG: config, ...env }, name, p.dir);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${name} gateway`, async () => (await fetch(`${url}/health/live`)).ok, 60_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${gw.log()}`);
  });
  return { gw, url };
}

describe('OpenTelemetry export', () => {
  let p: Pipeline;
  let rx: OtlpReceiver;
  let key = '';
  const master = () => p.env.HELIX_MASTER_KEY!;

  before(async () => {
    rx = await startOtlpReceiver();
    const config = writeConfig(
      'otel',
      `${modelList}helix_settings:
${cacheSection}  pii_protection: { entity_actions: { IP_ADDRESS: restore } }
  telemetry:
    enabled: true
    endpoint: ${rx.url}
    protocol: http/json
    headers: { Authorization: "${AUTH}" }
    service_name: helix-e2e
    capture_content: true
    export_interval_ms: 200
`,
    );
    p = await startPipeline({ HELIX_CONFIG: config });
    const res = await fetch(`${p.gatewayUrl}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${master()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key_alias: `otel-${run}`, team_id: `otel-team-${run}` }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    key = ((await res.json()) as { key: string }).key;
  });
  after(async () => {
    await p?.stop();
    await rx?.close();
  });

  it('a chat, a stream, an embedding, an error and a cache hit arrive as GenAI spans with the responses’ values', async () => {
    const url = p.gatewayUrl;
    const chat = await post(
      url,
      '/v1/chat/completions',
      key,
      { model: 'mock/echo', messages: [{ role: 'user', content: `Write to ${EMAIL} about the otel test ${run}` }], max_tokens: 64, temperature: 0.2, top_p: 0.9 },
      { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
    );
    assert.equal(chat.status, 200);
    const stream = await post(url, '/v1/chat/completions', key, { model: 'mock/echo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: `stream ${run}` }] });
    assert.equal(stream.status, 200);
    const embedding = await post(url, '/v1/embeddings', key, { model: 'mock/echo', input: `embed ${run}` });
    assert.equal(embedding.status, 200);
    const failed = await post(url, '/v1/chat/completions', key, { model: 'flaky', messages: [{ role: 'user', content: 'fail' }] });
    assert.equal(failed.status, 502);
    // The exact cache is filled by the consumers from the first answer: ask until it serves one.
    const cacheMe = { model: 'mock/echo', messages: [{ role: 'user', content: `cache ${run}` }] };
    const misses: Answer[] = [];
    const hit = await waitFor('an exact cache hit', async () => {
      const a = await post(url, '/v1/chat/completions', key, cacheMe);
      if (a.cache === 'exact') return a;
      misses.push(a);
      return undefined;
    }, 60_000, 200);

    // The chat: the caller's trace continued, GenAI attributes equal to the response, Helix's own beside them.
    const span = await waitForSpan(rx, chat);
    assert.equal(span.name, 'chat mock/echo');
    assert.equal(span.kind, 2);
    assert.equal(span.traceId, TRACE_ID);
    assert.equal(span.parentSpanId, PARENT_SPAN_ID);
    const usage = usageOf(chat);
    const a = span.attributes;
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.provider.name'], 'mock');
    assert.equal(a['gen_ai.request.model'], 'mock/echo');
    assert.equal(a['gen_ai.response.model'], chat.body.model);
    assert.equal(a['gen_ai.response.id'], chat.body.id);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(a['gen_ai.request.max_tokens'], 64);
    assert.equal(a['gen_ai.request.temperature'], 0.2);
    assert.equal(a['gen_ai.request.top_p'], 0.9);
    assert.equal(a['gen_ai.usage.input_tokens'], usage.prompt_tokens);
    assert.equal(a['gen_ai.usage.output_tokens'], usage.completion_tokens);
    assert.equal(a['server.address'], '127.0.0.1');
    assert.equal(a['server.port'], 9999);
    assert.match(String(a['helix.key_id']), /\S/);
    assert.equal(a['helix.team_id'], `otel-team-${run}`);
    assert.equal(a['helix.cache'], 'none'); // not served from the cache (the event's word for a miss)
    assert.ok(Number(a['helix.pii.findings']) >= 1, 'the email was found');
    assert.ok(Math.abs(Number(a['helix.cost_usd']) - (usage.prompt_tokens * INPUT_PRICE + usage.completion_tokens! * OUTPUT_PRICE)) < 1e-9);
    assert.equal(span.resource['service.name'], 'helix-e2e');
    // Content as it left PII protection: what the provider received (mock/echo answers with it), never the email.
    const details = span.events.find((e) => e.name === 'gen_ai.client.inference.operation.details');
    assert.ok(details, 'content captured');
    const input = JSON.parse(String(details.attributes['gen_ai.input.messages'])) as Array<{ role: string; parts: Array<{ content: string }> }>;
    const answer = (chat.body.choices as Array<{ message: { content: string } }>)[0]!.message.content;
    assert.deepEqual(input, [{ role: 'user', parts: [{ type: 'text', content: answer }] }]);
    assert.ok(!JSON.stringify(details.attributes).includes(EMAIL), 'no original PII in the span');
    const [attempt] = childrenOf(rx, span);
    assert.ok(attempt, 'a child span for the provider attempt');
    assert.equal(attempt.kind, 3);
    assert.equal(attempt.attributes['gen_ai.request.model'], 'echo');
    assert.ok(attempt.startMs >= span.startMs && attempt.endMs <= span.endMs);

    // The stream: its usage from the last chunk, its time to the first chunk.
    const s = (await waitForSpan(rx, stream)).attributes;
    assert.equal(s['helix.stream'], true);
    assert.equal(s['gen_ai.usage.input_tokens'], usageOf(stream).prompt_tokens);
    assert.equal(s['gen_ai.usage.output_tokens'], usageOf(stream).completion_tokens);
    assert.ok(Number(s['gen_ai.response.time_to_first_chunk']) > 0);

    const e = await waitForSpan(rx, embedding);
    assert.equal(e.name, 'embeddings mock/echo');
    assert.equal(e.attributes['gen_ai.operation.name'], 'embeddings');
    assert.equal(e.attributes['gen_ai.usage.input_tokens'], usageOf(embedding).prompt_tokens);

    // The error: error.type is the error's code, one child span per attempt (a retry), each with its status.
    const f = await waitForSpan(rx, failed);
    assert.equal(f.name, 'chat flaky');
    assert.equal(f.status.code, 2);
    assert.equal(f.attributes['error.type'], (failed.body.error as { code: string }).code);
    assert.equal(f.attributes['gen_ai.usage.input_tokens'], undefined);
    const attempts = childrenOf(rx, f);
    assert.equal(attempts.length, 2);
    for (const x of attempts) assert.equal(x.attributes['error.type'], '503');

    // The cache hit: marked, and no tokens (nothing was used upstream).
    const h = (await waitForSpan(rx, hit)).attributes;
    assert.equal(h['helix.cache'], 'exact');
    assert.equal(h['gen_ai.usage.input_tokens'], undefined);
    assert.equal(childrenOf(rx, (await waitForSpan(rx, hit))).length, 0);

    // Every export carried the configured headers.
    assert.ok(rx.requests.length > 0);
    for (const r of rx.requests) assert.equal(r.headers.authorization, AUTH);

    // Metrics: token usage by type equals the answers' usage (the chat, the stream and the cache misses; a hit used none).
    const upstream = [chat, stream, ...misses];
    const expectedInput = upstream.reduce((n, x) => n + usageOf(x).prompt_tokens, 0);
    const expectedOutput = upstream.reduce((n, x) => n + usageOf(x).completion_tokens!, 0);
    const point = (type: string, operation = 'chat') =>
      rx.latestMetric('gen_ai.client.token.usage')?.dataPoints.find((d) => d.attributes['gen_ai.token.type'] === type && d.attributes['gen_ai.operation.name'] === operation && d.attributes['gen_ai.request.model'] === 'mock/echo');
    await waitFor('token metrics of every answer', async () => point('input')?.sum === expectedInput && point('input', 'embeddings') !== undefined, 30_000, 100).catch(() => undefined);
    assert.equal(point('input')?.sum, expectedInput);
    assert.equal(point('output')?.sum, expectedOutput);
    assert.equal(point('input', 'embeddings')?.sum, usageOf(embedding).prompt_tokens);
    const durations = rx.latestMetric('gen_ai.client.operation.duration')!;
    assert.equal(durations.unit, 's');
    assert.ok(durations.dataPoints.some((d) => d.attributes['error.type'] === 'upstream_error' && d.count >= 1));
    const ttft = rx.latestMetric('gen_ai.server.time_to_first_token')!;
    assert.equal(ttft.dataPoints.reduce((n, d) => n + d.count, 0), 1, 'one streamed answer');
  });

  it('with PII restore, the prompt is captured masked and the answer, which has the original back, not at all', async () => {
    const ip = '203.0.113.7';
    const chat = await post(p.gatewayUrl, '/v1/chat/completions', key, { model: 'mock/echo', messages: [{ role: 'user', content: `ping ${ip} for ${run}` }] });
    assert.equal(chat.status, 200);
    assert.ok((chat.body.choices as Array<{ message: { content: string } }>)[0]!.message.content.includes(ip), 'the client gets the original back');
    const span = await waitForSpan(rx, chat);
    const details = span.events.find((e) => e.name === 'gen_ai.client.inference.operation.details');
    assert.match(String(details?.attributes['gen_ai.input.messages']), /<IP_ADDRESS_1>/);
    assert.equal(details?.attributes['gen_ai.output.messages'], undefined);
    assert.ok(!JSON.stringify(span).includes(ip));
  });

  it('a request refused before the pipeline ran (a wrong key) is an error span', async () => {
    const refused = await post(p.gatewayUrl, '/v1/chat/completions', 'sk-not-a-key', { model: 'mock/echo', messages: [{ role: 'user', content: 'who am I' }] });
    assert.equal(refused.status, 401);
    const span = await waitForSpan(rx, refused);
    assert.equal(span.status.code, 2);
    assert.equal(span.attributes['error.type'], (refused.body.error as { code: string }).code);
    assert.equal(span.attributes['http.response.status_code'], 401);
    assert.equal(span.events.length, 0, 'no content from a request that never reached PII protection');
  });

  it('a traceparent that is not sampled keeps the request out of the export', async () => {
    const skipped = await post(p.gatewayUrl, '/v1/chat/completions', key, { model: 'mock/echo', messages: [{ role: 'user', content: 'not sampled' }] }, { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00` });
    const next = await post(p.gatewayUrl, '/v1/chat/completions', key, { model: 'mock/echo', messages: [{ role: 'user', content: 'sampled' }] });
    await waitForSpan(rx, next); // exported in order: by now the first would be here too
    assert.equal(spanOf(rx, skipped.requestId), undefined);
  });

  describe('other gateways on the same services', () => {
    let protoRx: OtlpReceiver;
    let offRx: OtlpReceiver;
    let deadRx: OtlpReceiver;
    const gws: Record<string, { gw: HelixProcess; url: string }> = {};

    before(async () => {
      [protoRx, offRx, deadRx] = await Promise.all([startOtlpReceiver(), startOtlpReceiver(), startOtlpReceiver({ hang: true })]);
      const plain = `${modelList}helix_settings:\n${cacheSection}`;
      const [litellm, off, dead] = await Promise.all([
        // LiteLLM's switch, OpenTelemetry's variables; only the export interval from Helix's section.
        spawnGateway(p, 'gw-litellm', writeConfig('litellm', `${plain}  telemetry: { export_interval_ms: 200 }\nlitellm_settings:\n  callbacks: ["otel"]\n`), {
          OTEL_EXPORTER_OTLP_ENDPOINT: protoRx.url,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-otlp-token=s3cret%20value',
          OTEL_SERVICE_NAME: `helix-litellm-${run}`,
        }),
        // Nothing turns telemetry on: an endpoint in the environment alone does not.
        spawnGateway(p, 'gw-off', writeConfig('off', plain), { OTEL_EXPORTER_OTLP_ENDPOINT: offRx.url }),
        spawnGateway(p, 'gw-dead', writeConfig('dead', `${plain}  telemetry: { enabled: true, endpoint: "${deadRx.url}", export_interval_ms: 100, export_timeout_ms: 3000, max_queue_size: 8 }\n`)),
      ]);
      Object.assign(gws, { litellm, off, dead });
    });
    after(async () => {
      await Promise.all(Object.values(gws).map(({ gw }) => gw.stop()));
      await Promise.all([protoRx?.close(), offRx?.close(), deadRx?.close()]);
    });

    it('litellm_settings.callbacks: ["otel"] with OTEL_* variables exports protobuf with their headers and service name', async () => {
      const chat = await post(gws.litellm!.url, '/v1/chat/completions', master(), { model: 'mock/echo', messages: [{ role: 'user', content: `protobuf ${run}` }] });
      assert.equal(chat.status, 200);
      const span = await waitForSpan(protoRx, chat);
      assert.equal(span.name, 'chat mock/echo');
      assert.equal(span.attributes['gen_ai.usage.input_tokens'], usageOf(chat).prompt_tokens);
      assert.equal(span.attributes['gen_ai.usage.output_tokens'], usageOf(chat).completion_tokens);
      assert.equal(span.resource['service.name'], `helix-litellm-${run}`);
      assert.equal(span.events.length, 0, 'content is not captured unless asked for');
      await waitFor('a metrics export', async () => protoRx.requests.some((r) => r.path === '/v1/metrics'), 10_000, 100);
      for (const r of protoRx.requests) {
        assert.equal(r.contentType, 'application/x-protobuf');
        assert.equal(r.headers['x-otlp-token'], 's3cret value');
      }
    });

    it('is off by default: nothing is sent', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await post(gws.off!.url, '/v1/chat/completions', master(), { model: 'mock/echo', messages: [{ role: 'user', content: `off ${i}` }] })).status, 200);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(offRx.requests.length, 0);
      assert.doesNotMatch(gws.off!.gw.log(), /telemetry on/);
    });

    it('a receiver that never answers slows and fails no request; the drops are logged', async () => {
      const times: number[] = [];
      for (let i = 0; i < 40; i++) {
        const started = performance.now();
        const a = await post(gws.dead!.url, '/v1/chat/completions', master(), { model: 'mock/echo', messages: [{ role: 'user', content: `dead receiver ${i}` }] });
        times.push(performance.now() - started);
        assert.equal(a.status, 200);
      }
      times.sort((x, y) => x - y);
      // An export waits up to 3 s for the receiver; no request waited for it.
      assert.ok(times[times.length - 1]! < 1500, `slowest request ${times[times.length - 1]} ms`);
      assert.ok(deadRx.requests.length > 0, 'exports were attempted');
      await waitFor('the drops logged', async () => /telemetry: spans dropped/.test(gws.dead!.gw.log()), 10_000, 100);
      // Shutdown gives up on the receiver after one export timeout.
      const stopping = performance.now();
      assert.equal(await gws.dead!.gw.stop(), 0);
      assert.ok(performance.now() - stopping < 8_000);
    });
  });
});
