// Shared machinery of the adversarial suite (test/e2e/adversarial-*.test.ts): one real Helix (gateway + consumers)
// per test file that can replace a frozen or wedged gateway process, liveness probes, plain HTTP calls with a
// deadline, analytics queries by request id, every Kafka topic read back from the beginning, and the error shapes
// each endpoint must answer in.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '../../lib/kafka.ts';
import { freePort } from '../../stack/ports.ts';
import { TOPICS, topicName, type TopicId } from '../../schemas/topics.ts';
import { helixSql, spawnHelix, startPipeline, waitFor, type HelixProcess, type Pipeline } from './processes.ts';
import { createKey, writeConfig, type TrafficKey } from './traffic.ts';

export const MASTER = 'sk-helix-adversarial-master';
export const brokers = (): string[] => (process.env.HELIX_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
export const LIVE_LIMIT_MS = 250;

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Bytes of the body as received. */
  bytes: number;
  ms: number;
  /** Set when the call did not complete (timeout, reset); status is 0 then. */
  failure?: string;
}

export interface CallOptions {
  key?: string;
  method?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Sent as-is (string/Buffer) or JSON-encoded. */
  raw?: string | Buffer;
  /** Gives up early when this fires. */
  signal?: AbortSignal;
}

const deadline = (opts: CallOptions): AbortSignal => {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  return opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
};

/** One HTTP call with a hard deadline; the body is read to the end (streams included). Never throws. */
export async function call(base: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<HttpResult> {
  const started = performance.now();
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(`${base}${path}`, { method: opts.method ?? (payload === undefined ? 'GET' : 'POST'), headers, body: payload, signal: deadline(opts) });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, text: buf.toString('utf8'), bytes: buf.length, ms: performance.now() - started };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: 0, headers: new Headers(), text: '', bytes: 0, ms: performance.now() - started, failure: `${e.name}: ${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}` };
  }
}

export const short = (s: string, n = 300): string => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
export const describeResult = (r: HttpResult): string => (r.failure ? `no answer after ${Math.round(r.ms)} ms: ${r.failure}` : `${r.status} ${short(r.text)}`);

// ---------------------------------------------------------------------------------------------------------------
// Error shapes

/** OpenAI's error JSON: `{error:{message,type,param,code}}`; returns a problem or undefined. */
export function openAiErrorProblem(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${short(text, 120)}`;
  }
  const err = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!err || typeof err !== 'object') return `no error object: ${short(text, 120)}`;
  if (typeof err.message !== 'string' || !err.message) return 'error.message is not a non-empty string';
  if (typeof err.type !== 'string' || !err.type) return 'error.type is not a non-empty string';
  if (!('param' in err) || (err.param !== null && typeof err.param !== 'string')) return 'error.param is not a string or null';
  if (!('code' in err) || (err.code !== null && typeof err.code !== 'string')) return 'error.code is not a string or null';
  return undefined;
}

/** Anthropic's error JSON: `{type:'error',error:{type,message}}`. */
export function anthropicErrorProblem(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${short(text, 120)}`;
  }
  const b = body as { type?: unknown; error?: Record<string, unknown> } | null;
  if (b?.type !== 'error') return `type is not "error": ${short(text, 120)}`;
  if (!b.error || typeof b.error !== 'object') return 'no error object';
  if (typeof b.error.type !== 'string' || !b.error.type) return 'error.type is not a non-empty string';
  if (typeof b.error.message !== 'string' || !b.error.message) return 'error.message is not a non-empty string';
  return undefined;
}

export const errorProblem = (path: string, text: string): string | undefined => (path.startsWith('/v1/messages') ? anthropicErrorProblem(text) : openAiErrorProblem(text));

// ---------------------------------------------------------------------------------------------------------------
// Liveness

export interface LivenessReport {
  probes: number;
  maxMs: number;
  /** A probe got no answer within the probe timeout: the gateway is frozen (or gone). */
  stuck: boolean;
  slow: number[];
  /** When each slow probe ran (performance.now() ms): what was being served then is the suspect. */
  slowAt: Array<{ start: number; end: number; ms: number }>;
}

export interface LivenessMonitor {
  /** Resolves when a probe got no answer within the probe timeout. */
  readonly stuck: Promise<void>;
  stop(): Promise<LivenessReport>;
}

/** One GET /health/live; its latency in ms (the timeout when it got no answer). */
export async function probeLive(base: string, timeoutMs = 2_000): Promise<{ ok: boolean; ms: number }> {
  const r = await call(base, '/health/live', undefined, { timeoutMs });
  return { ok: r.status === 200, ms: r.failure ? Math.max(r.ms, timeoutMs) : r.ms };
}

/** Polls /health/live every `intervalMs` (one probe at a time) until stopped or until one probe gets no answer. */
export function monitorLiveness(base: string, intervalMs = 50, probeTimeoutMs = 2_000): LivenessMonitor {
  let running = true;
  let markStuck: () => void = () => undefined;
  const stuck = new Promise<void>((r) => (markStuck = r));
  const report: LivenessReport = { probes: 0, maxMs: 0, stuck: false, slow: [], slowAt: [] };
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      const p = await probeLive(base, probeTimeoutMs);
      report.probes++;
      report.maxMs = Math.max(report.maxMs, p.ms);
      if (p.ms > LIVE_LIMIT_MS) {
        report.slow.push(Math.round(p.ms));
        report.slowAt.push({ start, end: performance.now(), ms: Math.round(p.ms) });
      }
      if (!p.ok) {
        report.stuck = true;
        markStuck();
        return;
      }
      await sleep(intervalMs);
    }
  })();
  return {
    stuck,
    async stop() {
      running = false;
      await loop;
      report.maxMs = Math.round(report.maxMs);
      return report;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The stack

export interface AdversarialStack {
  /** The current gateway's base URL (changes when the gateway is replaced). */
  readonly url: string;
  readonly env: NodeJS.ProcessEnv;
  readonly pipeline: Pipeline;
  readonly gateway: HelixProcess;
  readonly dir: string;
  /** Kills the gateway (SIGKILL: a frozen one cannot drain) and starts a new one; `fresh`: a new data dir (spool). */
  replaceGateway(opts?: { fresh?: boolean }): Promise<void>;
  key(settings?: Parameters<typeof createKey>[2]): Promise<TrafficKey>;
  sql<T = Record<string, unknown>>(query: string): Promise<T[]>;
  /** Every log line every gateway process and the consumers wrote so far. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startStack(config: Record<string, unknown>, extraEnv: NodeJS.ProcessEnv = {}): Promise<AdversarialStack> {
  const dir = mkdtempSync(join(tmpdir(), 'helix-adv-'));
  const pipeline = await startPipeline({ HELIX_CONFIG: writeConfig(dir, config), HELIX_MASTER_KEY: MASTER, HELIX_HOST: '127.0.0.1', ...extraEnv });
  let gateway = pipeline.gateway;
  let url = pipeline.gatewayUrl;
  const gatewayLogs: string[] = [gateway.logFile];
  let generation = 0;
  const stack: AdversarialStack = {
    get url() {
      return url;
    },
    env: pipeline.env,
    pipeline,
    get gateway() {
      return gateway;
    },
    dir,
    async replaceGateway(opts = {}) {
      await gateway.stop('SIGKILL');
      generation++;
      const port = await freePort();
      const env: NodeJS.ProcessEnv = { ...pipeline.env, HELIX_PORT: String(port) };
      if (opts.fresh) env.HELIX_DATA_DIR = mkdtempSync(join(dir, `gw-${generation}-`));
      const next = spawnHelix('gateway/main.ts', env, `gateway-${generation}`, dir);
      gatewayLogs.push(next.logFile);
      const nextUrl = `http://127.0.0.1:${port}`;
      await waitFor('replacement gateway', async () => (await fetch(`${nextUrl}/health/live`)).ok, 60_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${next.log()}`);
      });
      gateway = next;
      url = nextUrl;
      pipeline.gateway = next;
    },
    key: (settings) => createKey(url, MASTER, settings),
    sql: (query) => analyticsQuery(pipeline.env, query),
    logs: () => [...gatewayLogs, pipeline.consumers.logFile].map((f) => readFileSync(f, 'utf8')).join('\n'),
    async stop() {
      await Promise.all([gateway.stop(), pipeline.consumers.stop()]);
    },
  };
  return stack;
}

/** Read-only SQL: the consumers' query server (embedded store) or `helix sql` against a ClickHouse server. */
export async function analyticsQuery<T = Record<string, unknown>>(env: NodeJS.ProcessEnv, query: string): Promise<T[]> {
  if (process.env.CLICKHOUSE_URL) return helixSql<T>(env, query);
  const res = await fetch(`${env.HELIX_QUERY_URL}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.HELIX_MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { data?: T[]; error?: { message: string } };
  if (!res.ok || !body.data) throw new Error(`query failed (${res.status}): ${body.error?.message ?? ''}`);
  return body.data;
}

export const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Waits until helix.responses has a row for each id; returns the ids still missing at the deadline. */
export async function missingResponseRows(stack: AdversarialStack, ids: string[], timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let missing = ids;
  while (missing.length && Date.now() < deadline) {
    const rows = await stack.sql<{ request_id: string }>(`SELECT DISTINCT request_id FROM helix.responses WHERE request_id IN (${missing.map(sqlString).join(',')})`).catch(() => []);
    const seen = new Set(rows.map((r) => r.request_id));
    missing = missing.filter((id) => !seen.has(id));
    if (missing.length) await sleep(300);
  }
  return missing;
}

export interface CanaryResult {
  ok: boolean;
  detail: string;
}

/** A normal chat request after an attack: answered 200, and its response row reaches ClickHouse in time. */
export async function canaryReachesClickHouse(stack: AdversarialStack, timeoutMs = 20_000): Promise<CanaryResult> {
  const r = await call(stack.url, '/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: `canary ${randomBytes(4).toString('hex')}` }] }, { key: MASTER, timeoutMs: 10_000 });
  if (r.status !== 200) return { ok: false, detail: `the normal request got ${describeResult(r)}` };
  const id = r.headers.get('x-request-id') ?? '';
  if (!id) return { ok: false, detail: 'the normal request has no x-request-id' };
  const missing = await missingResponseRows(stack, [id], timeoutMs);
  return missing.length ? { ok: false, detail: `the normal request ${id} did not reach helix.responses within ${timeoutMs / 1000} s` } : { ok: true, detail: '' };
}

/** /health/ready's Kafka component (the gateway caches it for a second). */
export async function kafkaHealth(stack: AdversarialStack): Promise<{ status: string; raw: string }> {
  const r = await call(stack.url, '/health/ready', undefined, { timeoutMs: 5_000 });
  try {
    const body = JSON.parse(r.text) as { components?: { kafka?: { status?: string } } };
    return { status: body.components?.kafka?.status ?? 'missing', raw: short(r.text, 400) };
  } catch {
    return { status: 'unreadable', raw: describeResult(r) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Kafka, read back

export interface RawEvent {
  topic: string;
  value: string;
}

/** Everything on every Helix topic of this prefix, from the beginning up to the end offsets at call time. */
export async function readAllTopics(prefix: string, timeoutMs = 30_000): Promise<RawEvent[]> {
  const kafka = createKafka(brokers(), 'helix-adversarial-reader');
  const topics = (Object.keys(TOPICS) as TopicId[]).map((t) => topicName(t, prefix));
  const admin = kafka.admin();
  await admin.connect();
  const want = new Map<string, number>(); // topic:partition → last offset to read
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter((t) => existing.has(t))) {
      for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > Number(p.low)) want.set(`${topic}:${p.partition}`, Number(p.high) - 1);
    }
  } finally {
    await admin.disconnect();
  }
  const events: RawEvent[] = [];
  if (want.size === 0) return events;
  const consumer = kafka.consumer({ groupId: `adv-reader-${randomBytes(6).toString('hex')}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...new Set([...want.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))], fromBeginning: true });
    const reached = new Set<string>();
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        events.push({ topic, value: message.value?.toString('utf8') ?? '' });
        const id = `${topic}:${partition}`;
        const last = want.get(id);
        if (last !== undefined && Number(message.offset) >= last) reached.add(id);
      },
    });
    await waitFor('every topic read to its end', async () => reached.size === want.size, timeoutMs, 100);
    return events;
  } finally {
    await consumer.disconnect();
  }
}

/** Every table and view in the helix database, each dumped as JSON text (for leak searches). */
export async function dumpAnalytics(stack: AdversarialStack): Promise<Array<{ table: string; text: string }>> {
  const tables = await stack.sql<{ name: string }>("SELECT name FROM system.tables WHERE database = 'helix' ORDER BY name");
  const out: Array<{ table: string; text: string }> = [];
  for (const { name } of tables) {
    const rows = await stack.sql(`SELECT * FROM helix.\`${name}\` LIMIT 100000`).catch((err: unknown) => [{ query_failed: (err as Error).message }]);
    out.push({ table: name, text: JSON.stringify(rows) });
  }
  return out;
}

/**
 * Every string inside a JSON text, JSON strings that hold JSON (a logged prompt) opened too: a search over these
 * sees values however many times they were encoded.
 */
export function stringsIn(text: string): string[] {
  const out: string[] = [text];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 12) return;
    if (typeof v === 'string') {
      out.push(v);
      const t = v.trim();
      if ((t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) && t.length < 5_000_000) {
        try {
          walk(JSON.parse(t), depth + 1);
        } catch {
          /* not JSON */
        }
      }
    } else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
      out.push(k);
      walk(x, depth + 1);
    }
  };
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{') && !t.startsWith('[')) continue;
    try {
      walk(JSON.parse(t), 0);
    } catch {
      /* a plain log line */
    }
  }
  try {
    walk(JSON.parse(text), 0);
  } catch {
    /* not one JSON document */
  }
  return out;
}

/** Log files of every process in a directory tree (gateway-*.log, consumers.log). */
export function logFilesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.log'))
    .map((f) => join(dir, f));
}

// ---------------------------------------------------------------------------------------------------------------
// Values

/** A card number with a valid Luhn check digit: `prefix` (digits) + check digit. */
export function luhnComplete(prefix: string): string {
  let sum = 0;
  const digits = prefix.split('').map(Number).reverse();
  digits.forEach((d, i) => {
    let x = i % 2 === 0 ? d * 2 : d;
    if (x > 9) x -= 9;
    sum += x;
  });
  return `${prefix}${(10 - (sum % 10)) % 10}`;
}

/** NFKC, without zero-width/format characters: how a value looks once a reader strips the disguise. */
export const unmasked = (s: string): string => s.normalize('NFKC').replace(/\p{Cf}/gu, '');

/** Runs `fn` over `items` with at most `concurrency` in flight; results in order. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
