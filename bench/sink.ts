// ClickHouse sink benchmark, two numbers:
//  1. throughput: events/s the sink lands in ClickHouse, draining a backlog of pre-produced request/response events
//     (timed by the rows' own ingested_at, first to last insert);
//  2. freshness: response → row visible, p50/p90/p99, under steady load through the real gateway (ingested_at − ts of
//     each response row; ingested_at is set by the insert that makes the row visible).
// Embedded ClickHouse (chdb) unless CLICKHOUSE_URL is set. Targets: ≥ 50k events/s; p99 freshness ≤ 2 s.
// Usage: npx tsx bench/sink.ts [--events 300000] [--rate 500] [--seconds 20] [--batch 100000]
//        (HELIX_BENCH_PROFILE=dir: CPU profile of the sink during the drain)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startServices } from '../stack/services.ts';
import { freePort } from '../stack/ports.ts';
import { createKafka, ensureTopics } from '../lib/kafka.ts';
import { topicName } from '../schemas/topics.ts';
import { SCHEMA_VERSIONS } from '../schemas/columns.ts';
import { type RequestEvent, type ResponseEvent } from '../schemas/events.ts';
import { spawnHelix, waitFor, type HelixProcess } from '../test/helpers/processes.ts';
import { writeConfig } from '../test/helpers/traffic.ts';
import { fmt, table } from './lib.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '300000' }, rate: { type: 'string', default: '500' }, seconds: { type: 'string', default: '20' }, batch: { type: 'string' } } });
const EVENTS = Number(values.events);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const MASTER = 'sk-bench-master';

/** A request/response pair as the gateway emits them (keys spread over partitions). */
function pair(i: number): [RequestEvent, ResponseEvent] {
  const ts = new Date().toISOString();
  const base = {
    schema_version: SCHEMA_VERSIONS.response, ts, request_id: randomUUID(), key_id: `key_${i % 1000}`, team_id: `team_${i % 20}`, user_id: `user_${i % 200}`,
    model: i % 3 ? 'gpt-4o-mini' : 'claude-3-5-haiku', provider: i % 3 ? 'openai' : 'anthropic', deployment: `d${i % 4}`, endpoint: 'chat', stream: i % 5 === 0,
  };
  return [
    { ...base, event_id: randomUUID(), type: 'request', message_count: 2, prompt_chars: 180, prompt: '' },
    {
      ...base, event_id: randomUUID(), type: 'response', status: 'ok', http_status: 200, error_type: '', error_message: '', finish_reason: 'stop',
      prompt_tokens: 45, completion_tokens: 120, total_tokens: 165, gateway_overhead_ms: 0.4, upstream_ttfb_ms: 180, upstream_ms: 900 + (i % 300), total_ms: 901 + (i % 300),
      attempts: [{ provider: base.provider, deployment: base.deployment, status: 200, latency_ms: 900 }], cache: 'none',
    },
  ];
}

interface Stack {
  env: NodeJS.ProcessEnv;
  queryUrl: string;
  stop(): Promise<void>;
}

async function sql<T>(queryUrl: string, query: string): Promise<T[]> {
  const res = await fetch(`${queryUrl}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data: T[]; error?: { message: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body.data;
}

const services = await startServices({ ports: 'random' });
const dir = mkdtempSync(join(tmpdir(), 'helix-bench-sink-'));
const brokers = services.env.HELIX_KAFKA_BROKERS!.split(',');
const processes: HelixProcess[] = [];

async function startConsumers(name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Stack> {
  const queryPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...services.env, HELIX_TOPIC_PREFIX: `bench-${name}-${randomBytes(3).toString('hex')}.`, HELIX_DATA_DIR: join(dir, name), HELIX_QUERY_PORT: String(queryPort),
    HELIX_QUERY_URL: `http://127.0.0.1:${queryPort}`, HELIX_MASTER_KEY: MASTER, HELIX_LOG_LEVEL: 'warn', HELIX_CONSUMERS: 'clickhouse-sink', ...extraEnv,
  };
  await ensureTopics(createKafka(brokers, 'bench-sink-admin'), env.HELIX_TOPIC_PREFIX);
  const queryUrl = env.HELIX_QUERY_URL!;
  return {
    env,
    queryUrl,
    async stop() {
      await Promise.all(processes.splice(0).map((p) => p.stop()));
    },
  };
}

async function throughput() {
  // --batch overrides analytics.sink.batch_max_rows (default 100,000) for the drain.
  const config = values.batch ? writeConfig(dir, { helix_settings: { analytics: { sink: { batch_max_rows: Number(values.batch) } } } }) : undefined;
  const stack = await startConsumers('throughput', config ? { HELIX_CONFIG: config } : {});
  const producer = createKafka(brokers, 'bench-sink-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const requests = topicName('requests', stack.env.HELIX_TOPIC_PREFIX);
  const responses = topicName('responses', stack.env.HELIX_TOPIC_PREFIX);
  const chunk = 1_000; // ~1 MB per partition batch: the broker caps message batches at 1 MB
  for (let i = 0; i < EVENTS / 2; i += chunk) {
    const pairs = Array.from({ length: Math.min(chunk, EVENTS / 2 - i) }, (_, k) => pair(i + k));
    await producer.sendBatch({
      acks: -1,
      topicMessages: [
        { topic: requests, messages: pairs.map(([r]) => ({ key: r.key_id, value: JSON.stringify(r) })) },
        { topic: responses, messages: pairs.map(([, s]) => ({ key: s.key_id, value: JSON.stringify(s) })) },
      ],
    });
  }
  await producer.disconnect();
  // The backlog is in Kafka; now the sink starts and drains it.
  const started = Date.now();
  const profile = process.env.HELIX_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HELIX_BENCH_PROFILE}`] : [];
  processes.push(spawnHelix('consumers/main.ts', stack.env, 'consumers-throughput', dir, profile));
  await waitFor('query server', async () => (await fetch(`${stack.queryUrl}/ping`)).ok, 60_000);
  const done = await waitFor(
    'backlog in ClickHouse',
    async () => {
      const [r] = await sql<{ n: number; span_ms: number }>(
        stack.queryUrl,
        `SELECT count() AS n, toUnixTimestamp64Milli(max(ingested_at)) - toUnixTimestamp64Milli(min(ingested_at)) AS span_ms
         FROM (SELECT ingested_at FROM helix.requests UNION ALL SELECT ingested_at FROM helix.responses)`,
      );
      return r && r.n >= EVENTS ? r : undefined;
    },
    600_000,
    500,
  );
  const wallS = (Date.now() - started) / 1000;
  const [dupes] = await sql<{ rows: number; ids: number }>(stack.queryUrl, 'SELECT (SELECT count() FROM helix.responses) AS rows, (SELECT uniqExact(event_id) FROM helix.responses) AS ids');
  await stack.stop();
  return { events: done.n, insertSpanS: done.span_ms / 1000, eventsPerS: done.n / Math.max(0.001, done.span_ms / 1000), wallS, exactlyOnce: dupes?.rows === dupes?.ids };
}

async function freshness() {
  const stack = await startConsumers('freshness');
  const port = await freePort();
  const config = writeConfig(dir, { model_list: [{ model_name: 'bench', litellm_params: { model: 'mock/fixed' } }], helix_settings: { semantic_cache: { enabled: false } } });
  const env = { ...stack.env, HELIX_PORT: String(port), HELIX_CONFIG: config };
  processes.push(spawnHelix('consumers/main.ts', env, 'consumers-freshness', dir));
  await waitFor('query server', async () => (await fetch(`${stack.queryUrl}/ping`)).ok, 60_000);
  processes.push(spawnHelix('gateway/main.ts', env, 'gateway-freshness', dir));
  const gateway = `http://127.0.0.1:${port}`;
  await waitFor('gateway', async () => (await fetch(`${gateway}/health/live`)).ok, 60_000);
  const from = new Date().toISOString();
  // overallRate paces the load (steady, not saturating); bench/autocannon.d.ts does not declare it.
  const options: Parameters<typeof autocannon>[0] & { overallRate: number } = {
    url: `${gateway}/v1/chat/completions`,
    method: 'POST',
    connections: 20,
    overallRate: RATE,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
    body: JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'How fresh is the data?' }] }),
  };
  const result = await autocannon(options);
  const served = result.requests.total - result.non2xx;
  await waitFor(
    'responses in ClickHouse',
    async () => {
      const [r] = await sql<{ n: number }>(stack.queryUrl, `SELECT count() AS n FROM helix.responses WHERE ts >= parseDateTime64BestEffort('${from}', 3, 'UTC')`);
      return r && r.n >= served ? r : undefined;
    },
    120_000,
    500,
  );
  const [q] = await sql<{ n: number; p50: number; p90: number; p99: number; max: number }>(
    stack.queryUrl,
    `SELECT count() AS n, quantilesExact(0.5, 0.9, 0.99)(lag) AS q, q[1] AS p50, q[2] AS p90, q[3] AS p99, max(lag) AS max
     FROM (SELECT toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(ts) AS lag FROM helix.responses WHERE ts >= parseDateTime64BestEffort('${from}', 3, 'UTC'))`,
  );
  await stack.stop();
  return { rps: result.requests.average, served, ...q! };
}

try {
  const t = await throughput();
  const f = await freshness();
  console.log(`\nClickHouse sink (${process.env.CLICKHOUSE_URL ? 'ClickHouse server' : 'embedded chdb'}), ${new Date().toISOString()}\n`);
  console.log(
    table([
      { measure: 'throughput: events landed', value: String(t.events), target: '' },
      { measure: 'throughput: events/s (first to last insert)', value: fmt(t.eventsPerS, 0), target: '≥ 50000' },
      { measure: 'throughput: wall time incl. start-up (s)', value: fmt(t.wallS), target: '' },
      { measure: 'throughput: exactly once', value: String(t.exactlyOnce), target: 'true' },
      { measure: `freshness: steady load (req/s, 2 events each)`, value: fmt(f.rps, 0), target: '' },
      { measure: 'freshness: responses measured', value: String(f.n), target: '' },
      { measure: 'freshness p50 (ms)', value: fmt(f.p50, 0), target: '' },
      { measure: 'freshness p90 (ms)', value: fmt(f.p90, 0), target: '' },
      { measure: 'freshness p99 (ms)', value: fmt(f.p99, 0), target: '≤ 2000' },
      { measure: 'freshness max (ms)', value: fmt(f.max, 0), target: '' },
    ]),
  );
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await services.stop();
}
