// The load command: N gateway processes behind nginx (TLS, the compose's front) and M consumer processes on the real
// Kafka, Redis and a ClickHouse, a mock LLM upstream, and a fixed request rate (open loop). Prints the req/s each
// gateway process served, latency, event freshness in ClickHouse (from the response to its row), and each process
// kind's CPU per request (utime+stime from /proc) with the cores 10,000 req/s would take at that cost.
//   npx tsx bench/load.ts --gateways 2 --consumers 1 --rate 600 [--duration 15] [--warmup S] [--kafka-brokers 1]
//                         [--connections 64] [--nginx-workers auto] [--compiled]
// --warmup defaults to enough traffic for 2,000 requests per gateway (5 to 60 s). --compiled runs the production
// build (tsconfig.build.json, plain node), as the Docker image does. Nothing here depends on this machine's size: the
// same flags on a bigger one measure a bigger fleet.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startServices, type Services } from '../stack/services.ts';
import { setPidFileOwner, sleep } from '../stack/process.ts';
import { compileToTemp } from '../test/helpers/compiled.ts';
import { cpuMicros, fmt, startServer, table } from './lib.ts';
import { startFleet, type Fleet } from './fleet.ts';
import { openLoop, type OpenLoopResult } from './open-loop.ts';

const { values } = parseArgs({
  options: {
    gateways: { type: 'string', default: '1' },
    consumers: { type: 'string', default: '1' },
    'kafka-brokers': { type: 'string', default: '1' },
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '64' },
    'nginx-workers': { type: 'string', default: 'auto' },
    compiled: { type: 'boolean', default: false },
  },
});

function bounded(name: keyof typeof values, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`load: --${name} must be a whole number from ${min} to ${max} (got ${String(values[name])})`);
    process.exit(2);
  }
  return n;
}
const gateways = bounded('gateways', 1, 64);
const consumers = bounded('consumers', 1, 64);
const kafkaBrokers = bounded('kafka-brokers', 1, 9);
const rate = bounded('rate', 1, 100_000);
const duration = bounded('duration', 1, 600);
// Long enough by default for each gateway process to have JIT-compiled its request path before the measured run.
const warmup = values.warmup === undefined ? Math.min(60, Math.max(5, Math.ceil((2_000 * gateways) / rate))) : bounded('warmup', 0, 120);
const connections = bounded('connections', 1, 10_000);
const nginxWorkers = values['nginx-workers'] === 'auto' ? 'auto' : bounded('nginx-workers', 1, 256);
/** The projection's target. */
const TARGET_RPS = 10_000;
const IDLE_SECONDS = 3;
/** How long the events of answered requests may take to reach ClickHouse before the run reports what did. */
const LANDING_MS = 120_000;
/** Startup, the run itself, draining and the wait for ClickHouse: past this the run stops itself. */
const RUN_BOUND_MS = (300 + warmup + IDLE_SECONDS + duration) * 1000 + 2 * LANDING_MS + 120_000;

setPidFileOwner('load run');
const say = (message: string) => console.error(`load: ${message}`);
const stops: Array<() => unknown> = [];
let failed = false;
let interrupted = false;
let cleaning: Promise<void> | undefined;
/** Each stop is bounded: one that hangs must not keep the rest running. */
const STOP_MS = 60_000;
const cleanup = () =>
  (cleaning ??= (async () => {
    for (const stop of stops.splice(0).reverse()) {
      const stopped = Promise.resolve(stop()).catch((err: unknown) => say(`while stopping: ${(err as Error).message}`));
      await Promise.race([stopped, sleep(STOP_MS).then(() => say(`a stop took over ${STOP_MS / 1000} s; going on`))]);
    }
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    say(`${signal}: stopping every process…`);
    void cleanup().finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  say(`still running after ${RUN_BOUND_MS / 1000} s: stopping`);
  void cleanup().finally(() => process.exit(1));
}, RUN_BOUND_MS);

/** Completed requests a gateway has counted (helix_requests_total over all its labels). */
async function servedBy(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let total = 0;
  for (const m of text.matchAll(/^helix_requests_total(?:\{[^}]*\})? (\S+)$/gm)) total += Number(m[1]);
  return total;
}

interface Kind {
  kind: string;
  pids: () => number[];
  /** Counted in the projection: what a deployment runs per request (the mock upstream and the load generator are not). */
  projected: boolean;
  note?: string;
}

const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
const snapshot = (kinds: Kind[]) => kinds.map((k) => cpuOf(k.pids()));

async function run(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'helix-load-'));
  stops.push(() => (failed ? say(`logs kept in ${dir}`) : rmSync(dir, { recursive: true, force: true })));
  const services: Services = await startServices({ ports: 'random', kafkaBrokers });
  stops.push(() => services.stop());
  const upstream = await startServer('bench/servers/mock-upstream.ts');
  stops.push(() => upstream.stop());
  const build = values.compiled ? compileToTemp() : undefined;
  if (build) stops.push(() => build.remove());

  // Identical prompts would be cache hits: the miss path is measured with the cache off, PII protection on.
  const config = join(dir, 'helix.yaml');
  writeFileSync(config, `model_list:\n  - model_name: bench\n    litellm_params:\n      model: openai/bench-model\n      api_base: ${upstream.url}/v1\n      api_key: sk-bench\nhelix_settings:\n  semantic_cache: { enabled: false }\n`);
  const masterKey = `sk-load-${randomBytes(12).toString('hex')}`;
  say(`starting ${gateways} gateway(s), ${consumers} consumer process(es), ClickHouse and nginx…`);
  const fleet: Fleet = await startFleet({
    gateways,
    consumers,
    dir,
    nginxWorkers,
    compiledOut: build?.out,
    env: { ...services.env, HELIX_CONFIG: config, HELIX_MASTER_KEY: masterKey, HELIX_TOPIC_PREFIX: `load${randomBytes(3).toString('hex')}.`, HELIX_LOG_LEVEL: 'warn' },
  });
  stops.push(() => fleet.stop());
  say(`fleet up in ${fmt((Date.now() - started) / 1000)} s`);

  // A virtual key, as clients of a deployment call with (its lookup is part of every request's cost).
  const generated = await fetch(`${fleet.gateways[0]!.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ key_alias: 'load' }) });
  const { key } = (await generated.json()) as { key?: string };
  if (!key) throw new Error(`key/generate answered ${generated.status}`);

  const drive = (phase: string, seconds: number): Promise<OpenLoopResult> =>
    openLoop({
      url: `${fleet.url}/v1/chat/completions`,
      ca: fleet.ca,
      rate,
      seconds,
      connections,
      maxInFlight: Math.max(100, rate),
      headers: (i) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': `${phase}-${i}` }),
      body: (i) => JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `Say hello to the benchmark (request ${i}).` }] }),
    });

  /** The measured requests' rows in ClickHouse (x-request-id `<phase>-<n>`), each row's freshness: from the response
   * event's time (the gateway answering) to its insert. */
  const landed = async (phase: 'w' | 'm') => {
    const [row] = await fleet.clickhouse.query<Record<string, string>>(
      `SELECT count() AS rows, quantileExact(0.5)(lag) AS p50, quantileExact(0.99)(lag) AS p99, max(lag) AS max FROM (SELECT toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(ts) AS lag FROM helix.responses WHERE startsWith(request_id, '${phase}-'))`,
    );
    return { rows: Number(row?.rows ?? 0), p50: Number(row?.p50), p99: Number(row?.p99), max: Number(row?.max) };
  };
  const untilLanded = async (phase: 'w' | 'm', expected: number) => {
    const deadline = Date.now() + LANDING_MS;
    for (;;) {
      const now = await landed(phase);
      if (now.rows >= expected || Date.now() > deadline) return now;
      await sleep(250);
    }
  };

  if (warmup > 0) {
    say(`warm-up: ${rate} req/s for ${warmup} s`);
    const w = await drive('w', warmup);
    if (w.ok === 0) throw new Error(`no request succeeded in the warm-up (${w.non2xx} non-2xx, ${w.errors} errors):\n${fleet.gateways[0]!.log()}`);
    await untilLanded('w', w.ok); // the pipeline drained, so the idle figures below are idle
  }

  const kinds: Kind[] = [
    { kind: 'gateway', pids: () => fleet.gateways.map((g) => g.pid), projected: true },
    { kind: 'nginx (TLS)', pids: () => fleet.nginx.pids(), projected: true },
    { kind: 'Kafka broker', pids: () => services.kafkaCluster.nodes.map((n) => n.pid), projected: true },
    { kind: 'consumers', pids: () => fleet.consumers.map((c) => c.pid), projected: true },
    { kind: 'Redis', pids: () => [services.redis.pid], projected: true },
    { kind: 'ClickHouse', pids: () => [fleet.clickhouse.pid], projected: false, note: 'chdb behind an HTTP shim (stack/clickhouse-server.ts), not a ClickHouse server' },
    { kind: 'mock upstream', pids: () => [upstream.child.pid ?? -1], projected: false, note: 'the LLM provider' },
    { kind: 'load generator', pids: () => [process.pid], projected: false, note: 'this process' },
  ];

  // What each kind burns with no traffic (timers, heartbeats, polls, GC): shown apart, so the per-request figure is read right.
  await sleep(1_000);
  const idleFrom = snapshot(kinds);
  await sleep(IDLE_SECONDS * 1000);
  const idleCores = snapshot(kinds).map((v, i) => (v - idleFrom[i]!) / 1e6 / IDLE_SECONDS);

  say(`measuring: ${rate} req/s for ${duration} s`);
  const servedBefore = await Promise.all(fleet.gateways.map((g) => servedBy(g.url)));
  const cpuBefore = snapshot(kinds);
  const cpuFrom = performance.now();
  const result = await drive('m', duration);
  const servedAfter = await Promise.all(fleet.gateways.map((g) => servedBy(g.url)));
  const served = servedAfter.map((n, i) => n - servedBefore[i]!);
  const answered = result.ok;
  say('waiting for the measured requests in ClickHouse…');
  const fresh = await untilLanded('m', answered);
  // CPU up to the moment every answered request's events are in ClickHouse: all the work those requests caused.
  const cpuAfter = snapshot(kinds);
  const cpuSeconds = (performance.now() - cpuFrom) / 1000;

  const seconds = result.seconds;
  const machine = `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`;
  console.log(`\nLoad: ${gateways} gateway(s) behind nginx (TLS, ${fleet.nginx.pids().length - 1} worker(s)), ${consumers} consumer process(es), ${kafkaBrokers} Kafka broker(s), ${rate} req/s offered for ${duration} s, ${build ? 'compiled' : 'tsx'}; ${machine}, everything on this machine\n`);
  console.log(
    table(
      fleet.gateways.map((g, i) => ({
        gateway: g.name,
        served: served[i]!,
        'req/s': fmt(served[i]! / seconds, 0),
        share: `${fmt((served[i]! / Math.max(1, served.reduce((a, b) => a + b, 0))) * 100, 0)} %`,
      })),
    ),
  );
  console.log('');
  console.log(
    table([
      {
        'offered req/s': rate,
        'answered req/s': fmt(answered / seconds, 0),
        ok: answered,
        'non-2xx': result.non2xx,
        errors: result.errors,
        'not sent': result.skipped,
        'p50 ms': fmt(result.p50, 1),
        'p99 ms': fmt(result.p99, 1),
        'rows in ClickHouse': `${fresh.rows}/${answered}`,
        'fresh p50 ms': fmt(fresh.p50, 0),
        'fresh p99 ms': fmt(fresh.p99, 0),
        'fresh max ms': fmt(fresh.max, 0),
      },
    ]),
  );
  console.log('');
  // Per request: all the CPU of the run, and the part above what the kind burns idle (the fixed cost a bigger rate
  // does not repeat). The projection: idle cores plus the above-idle cost at 10,000 req/s — an upper bound, since
  // batching (Kafka produce and fetch, sink inserts) makes each request cheaper as the rate grows.
  const rows = kinds.map((k, i) => {
    const cpu = cpuAfter[i]! - cpuBefore[i]!;
    const idle = idleCores[i]!;
    const aboveIdle = Math.max(0, cpu - idle * 1e6 * cpuSeconds) / Math.max(1, answered);
    return { k, us: cpu / Math.max(1, answered), aboveIdle, idle, cores: cpu / 1e6 / cpuSeconds, target: idle + (aboveIdle * TARGET_RPS) / 1e6 };
  });
  const projected = rows.filter((r) => r.k.projected);
  const sum = (pick: (r: (typeof rows)[number]) => number) => projected.reduce((total, r) => total + pick(r), 0);
  const targetColumn = `cores for ${TARGET_RPS.toLocaleString('en-US')} req/s`;
  const cpuTable = rows.map((r) => ({
    kind: r.k.projected ? r.k.kind : `(${r.k.kind})`,
    processes: String(r.k.pids().length),
    'CPU µs/req': fmt(r.us, 0),
    'above idle µs/req': fmt(r.aboveIdle, 0),
    'cores busy': fmt(r.cores, 2),
    'idle cores': fmt(r.idle, 2),
    [targetColumn]: r.k.projected ? fmt(r.target, 2) : '-',
  }));
  cpuTable.push({
    kind: 'total (projected kinds)',
    processes: String(sum((r) => r.k.pids().length)),
    'CPU µs/req': fmt(sum((r) => r.us), 0),
    'above idle µs/req': fmt(sum((r) => r.aboveIdle), 0),
    'cores busy': fmt(sum((r) => r.cores), 2),
    'idle cores': fmt(sum((r) => r.idle), 2),
    [targetColumn]: fmt(sum((r) => r.target), 1),
  });
  console.log(table(cpuTable));
  const apart = kinds.filter((k) => !k.projected).map((k) => `${k.kind}: ${k.note}`);
  console.log(`
CPU: utime+stime from /proc, from the first measured request until every answered one's row was in ClickHouse, per request answered; idle cores: ${IDLE_SECONDS} s without traffic. Not projected: ${apart.join('; ')}.`);
  if (result.skipped > 0 || result.errors > 0 || answered < result.due * 0.99) console.log(`\nThe fleet did not keep up with ${rate} req/s: ${result.skipped} requests not sent (too many outstanding), ${result.errors} errors.`);
}

try {
  await run();
} catch (err) {
  if (!interrupted) say(`failed: ${(err as Error).message}`);
  failed = true;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(failed ? 1 : 0);
