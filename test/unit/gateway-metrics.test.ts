// The per-request metrics are kept in cheap cells (gateway/metric-cells.ts) but must read exactly as prom-client's
// own Counter/Histogram would: same series, labels, buckets and values in /metrics text and JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { randomBytes } from 'node:crypto';
import { createMetrics, OTHER_MODEL, PROXY_ENDPOINTS, UNKNOWN_ENDPOINT } from '../../gateway/metrics.ts';
import type { HelixEvent, ResponseEvent } from '../../schemas/events.ts';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
/** The models event() uses, as the config would name them. */
const MODELS = ['gpt-4o', 'claude "quoted" \\ name'];
const NAMES = ['helix_requests_total', 'helix_request_duration_seconds', 'helix_upstream_duration_seconds', 'helix_gateway_overhead_seconds', 'helix_tokens_total'];

/** What gateway/metrics.ts recorded with prom-client's classes before the cells. */
function reference() {
  const registry = new Registry();
  const labels = ['model', 'provider', 'status', 'endpoint'];
  const requests = new Counter({ name: 'helix_requests_total', help: 'Completed requests by model, provider and outcome', labelNames: labels, registers: [registry] });
  const latency = new Histogram({ name: 'helix_request_duration_seconds', help: 'Total request latency seen by the client', labelNames: labels, buckets: LATENCY_BUCKETS, registers: [registry] });
  const upstream = new Histogram({ name: 'helix_upstream_duration_seconds', help: 'Upstream provider latency', labelNames: ['model', 'provider'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const overhead = new Histogram({ name: 'helix_gateway_overhead_seconds', help: 'Time spent in the gateway itself', buckets: OVERHEAD_BUCKETS, registers: [registry] });
  const tokens = new Counter({ name: 'helix_tokens_total', help: 'Tokens by model and direction', labelNames: ['model', 'provider', 'direction'], registers: [registry] });
  const record = (e: ResponseEvent) => {
    const l = [e.model, e.provider, String(e.http_status), e.endpoint];
    requests.labels(...l).inc();
    latency.labels(...l).observe(e.total_ms / 1000);
    overhead.observe(e.gateway_overhead_ms / 1000);
    if (e.upstream_ms > 0) upstream.labels(e.model, e.provider).observe(e.upstream_ms / 1000);
    if (e.prompt_tokens) tokens.labels(e.model, e.provider, 'input').inc(e.prompt_tokens);
    if (e.completion_tokens) tokens.labels(e.model, e.provider, 'output').inc(e.completion_tokens);
  };
  return { registry, record };
}

function event(i: number): ResponseEvent {
  const error = i % 5 === 4;
  return {
    event_id: `e${i}`,
    type: error ? 'error' : 'response',
    schema_version: 1,
    ts: new Date(0).toISOString(),
    request_id: `r${i}`,
    key_id: '',
    team_id: '',
    user_id: '',
    model: i % 3 === 0 ? 'gpt-4o' : 'claude "quoted" \\ name',
    provider: i % 2 ? 'openai' : 'anthropic',
    deployment: 'd#0',
    endpoint: i % 4 === 0 ? '/v1/messages' : '/v1/chat/completions',
    stream: false,
    status: error ? 'error' : 'ok',
    http_status: error ? 502 : 200,
    error_type: '',
    error_message: '',
    finish_reason: 'stop',
    prompt_tokens: error ? 0 : 10 + i,
    completion_tokens: error ? 0 : i % 7,
    total_tokens: 0,
    // Values on, between and beyond the bucket bounds (incl. above the last one: only +Inf counts it).
    gateway_overhead_ms: [0.1, 0.05, 0.2501, 3, 70, 0.0001][i % 6]!,
    upstream_ttfb_ms: 0,
    upstream_ms: error ? 0 : [5, 12.5, 1000, 61_000, 0.3][i % 5]!,
    total_ms: [5, 10, 24.99, 250, 99_000, 0.001, 1234.5678][i % 7]!,
    attempts: [],
    cache: 'none',
    cached_tokens: 0,
    model_swapped_from: '',
  };
}

const only = (text: string) =>
  text
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => NAMES.some((n) => block.startsWith(`# HELP ${n} `)))
    .sort()
    .join('\n\n');

describe('gateway metrics', () => {
  it('expose the same text and JSON as prom-client Counter/Histogram for the same events', async () => {
    const ref = reference();
    const metrics = createMetrics({ models: MODELS });
    const sink = metrics.observe({ emit: () => undefined });
    // Before any request: only the unlabelled overhead histogram has a (zero) series, in both.
    assert.equal(only(await metrics.registry.metrics()), only(await ref.registry.metrics()));
    for (let i = 0; i < 200; i++) {
      const e = event(i);
      ref.record(e);
      sink.emit(e as HelixEvent);
    }
    const text = only(await metrics.registry.metrics());
    assert.equal(text, only(await ref.registry.metrics()));
    assert.match(text, /helix_request_duration_seconds_bucket\{le="\+Inf",model="gpt-4o",provider="anthropic",status="200",endpoint="\/v1\/messages"\} \d+/);
    const json = async (r: Registry) => (await r.getMetricsAsJSON()).filter((m) => NAMES.includes(m.name)).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(JSON.parse(JSON.stringify(await json(metrics.registry))), JSON.parse(JSON.stringify(await json(ref.registry))));
  });

  it('reset drops every series until it is updated again, like prom-client', async () => {
    const ref = reference();
    const metrics = createMetrics({ models: MODELS });
    const sink = metrics.observe({ emit: () => undefined });
    for (let i = 0; i < 10; i++) {
      ref.record(event(i));
      sink.emit(event(i));
    }
    metrics.registry.resetMetrics();
    ref.registry.resetMetrics();
    assert.equal(only(await metrics.registry.metrics()), only(await ref.registry.metrics()));
    ref.record(event(3));
    sink.emit(event(3));
    assert.equal(only(await metrics.registry.metrics()), only(await ref.registry.metrics()));
  });

  it('ignore values prom-client would throw on instead of failing the event', () => {
    const metrics = createMetrics({ models: MODELS });
    let delivered = 0;
    const sink = metrics.observe({ emit: () => void delivered++ });
    sink.emit({ ...event(1), prompt_tokens: -3, total_ms: Number.NaN });
    assert.equal(delivered, 1);
  });

  it('name the process metrics helix_gateway_process_… / helix_gateway_nodejs_… (one prefix, not process_ twice)', async () => {
    const text = await createMetrics({ models: MODELS }).registry.metrics();
    assert.match(text, /^helix_gateway_process_cpu_seconds_total /m);
    assert.match(text, /^helix_gateway_nodejs_eventloop_lag_seconds /m);
    assert.doesNotMatch(text, /process_process_/);
  });

  it('keep series bounded whatever models and endpoints events name', async () => {
    const metrics = createMetrics({ models: MODELS });
    const sink = metrics.observe({ emit: () => undefined });
    const clientChosen: string[] = [];
    const random = () => {
      clientChosen.push(randomBytes(12).toString('base64url'));
      return clientChosen.at(-1)!;
    };
    for (let i = 0; i < 10_000; i++) {
      const e = event(i);
      sink.emit({ ...e, model: i % 2 ? random() : e.model, endpoint: i % 3 ? `/${random()}` : e.endpoint });
    }
    const text = await metrics.registry.metrics();
    const series = text.split('\n').filter((line) => line.startsWith('helix_requests_total{'));
    // (2 models + other) × 2 providers × 2 statuses × (2 endpoints + unknown)
    assert.ok(series.length <= 3 * 2 * 2 * 3, `${series.length} series`);
    assert.ok(series.some((line) => line.includes(`model="${OTHER_MODEL}"`) && line.includes(`endpoint="${UNKNOWN_ENDPOINT}"`)));
    assert.ok(series.some((line) => line.includes('model="gpt-4o"') && line.includes('endpoint="/v1/messages"')));
    assert.equal(clientChosen.filter((value) => text.includes(value)).length, 0, 'no client-chosen label value in /metrics');
  });

  it('keep the endpoints they are given, and the proxy routes by default', async () => {
    assert.ok(PROXY_ENDPOINTS.includes('/v1/embeddings'));
    const metrics = createMetrics({ models: MODELS, endpoints: ['/v2/custom'] });
    metrics.observe({ emit: () => undefined }).emit({ ...event(1), endpoint: '/v2/custom' });
    assert.match(await metrics.registry.metrics(), /helix_requests_total\{[^}]*endpoint="\/v2\/custom"\} 1/);
  });
});
