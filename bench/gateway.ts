// Gateway benchmark, one process and one run: direct to the mock upstream, a bare fastify+undici pass-through,
// the same pass-through publishing Helix's two events per request and nothing else (`bare+events`: what the event
// stream alone costs), and Helix's full path (real Kafka for events), with PII protection on (default) and off, run
// through tsx (as in development) and compiled to JavaScript (`helix-compiled`: tsconfig.build.json, what the Docker
// image runs), and the compiled gateway answering every request from its cache (`helix-hit`: an exact hit).
// Prints req/s, p50/p99 and ratios, and the latency Helix adds with one connection. Alongside req/s it prints each
// server process's CPU time per request (utime+stime from /proc, measured around each load run): on a shared 2-core
// machine req/s swings with whatever else runs, CPU µs/req much less, so that is the number to compare Helix with
// the bare pass-through and before/after a change.
// Usage: npx tsx bench/gateway.ts [--seconds 10] [--connections 50] [--rounds 1] [--only helix,helix-compiled,helix-hit]
//   --only A,B  runs only these targets and prints their numbers as JSON.
//   --rounds N  runs every target's load N times (interleaved) and reports the median of each number.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServices } from '../stack/services.ts';
import { fmt, load, median, startServer, table, withCpu, type LoadResult } from './lib.ts';
import { spawnHelix, waitFor } from '../test/helpers/processes.ts';
import { compileToTemp, spawnCompiled } from '../test/helpers/compiled.ts';
import { freePort } from '../stack/ports.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, extra: { type: 'string', default: '' }, only: { type: 'string' }, rounds: { type: 'string', default: '1' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const rounds = Math.max(1, Number(values.rounds));
const only = values.only ? new Set(values.only.split(',')) : undefined;
const wanted = (name: string) => !only || only.has(name);
const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] });

const services = await startServices({ ports: 'random' });
const dir = mkdtempSync(join(tmpdir(), 'helix-bench-'));
const stops: Array<() => Promise<unknown>> = [() => services.stop()];
type Measured = LoadResult & { cpuUsPerReq: Record<string, number> };
const runs: Record<string, Array<{ many: Measured; one: Measured }>> = {};
try {
  const upstream = await startServer('bench/servers/mock-upstream.ts');
  stops.unshift(upstream.stop);
  // HELIX_BENCH_PROFILE=<dir>: .cpuprofile files of the bare pass-through and of each Helix process.
  const profile = process.env.HELIX_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HELIX_BENCH_PROFILE}`] : [];
  const bare = await startServer('bench/servers/bare-passthrough.ts', { UPSTREAM: upstream.url }, profile);
  stops.unshift(bare.stop);
  // The bare pass-through plus Helix's two events per request (EventBus → real Kafka): the floor under Helix's path.
  const floor = await startServer('bench/servers/bare-with-events.ts', { ...services.env, UPSTREAM: upstream.url, HELIX_TOPIC_PREFIX: 'bench-floor.' }, profile);
  stops.unshift(floor.stop);
  // Which processes' CPU is read for each target: the server under test, the mock upstream behind it, and Kafka.
  const pidOf = (pid: number | undefined) => (pid !== undefined && pid > 0 ? pid : undefined);
  const pids: Record<string, Record<string, number | undefined>> = {
    direct: { server: upstream.child.pid },
    bare: { server: bare.child.pid, upstream: upstream.child.pid, kafka: pidOf(services.kafka.pid) },
    'bare+events': { server: floor.child.pid, upstream: upstream.child.pid, kafka: pidOf(services.kafka.pid) },
  };
  /** A Helix gateway; from `compiledOut` (a build) with plain node, else the TypeScript through tsx. */
  const startHelix = async (name: string, extraYaml: string, compiledOut?: string) => {
    const config = join(dir, `${name}.yaml`);
    writeFileSync(config, `model_list:\n  - model_name: bench\n    litellm_params:\n      model: openai/bench-model\n      api_base: ${upstream.url}/v1\n      api_key: sk-bench\n${extraYaml}${values.extra}`);
    const port = await freePort();
    const env = { ...services.env, HELIX_PORT: String(port), HELIX_CONFIG: config, HELIX_DATA_DIR: join(dir, name), HELIX_LOG_LEVEL: 'warn', HELIX_TOPIC_PREFIX: `bench-${name}.` };
    const helix = compiledOut ? spawnCompiled(compiledOut, 'gateway/main.js', env, join(dir, `${name}.log`), profile) : spawnHelix('gateway/main.ts', env, name, dir, profile);
    stops.unshift(() => helix.stop());
    pids[name] = { server: helix.child.pid, upstream: upstream.child.pid, kafka: pidOf(services.kafka.pid) };
    const helixUrl = `http://127.0.0.1:${port}`;
    await waitFor('helix gateway', async () => (await fetch(`${helixUrl}/health/live`)).ok);
    return `${helixUrl}/v1/chat/completions`;
  };
  // Identical bodies would be exact cache hits: the proxy path is measured with the cache off (bench/cache.ts measures hits).
  const cacheOff = 'helix_settings:\n  semantic_cache: { enabled: false }\n';
  const targets: Record<string, string> = {
    direct: `${upstream.url}/v1/chat/completions`,
    bare: `${bare.url}/v1/chat/completions`,
    'bare+events': `${floor.url}/v1/chat/completions`,
  };
  if (wanted('helix')) targets.helix = await startHelix('helix', cacheOff);
  if (wanted('helix-compiled') || wanted('helix-hit')) {
    const build = compileToTemp();
    stops.push(async () => build.remove()); // after the gateways running from it have stopped
    console.error(`compiled (tsconfig.build.json) in ${fmt(build.buildMs / 1000)} s`);
    if (wanted('helix-compiled')) targets['helix-compiled'] = await startHelix('helix-compiled', cacheOff, build.out);
    if (wanted('helix-hit')) {
      // The exact cache on (semantic lookups off: an exact hit never reaches them, and the embedding model stays
      // unloaded); the first answer is stored, so every request after it is an exact hit.
      const url = await startHelix('helix-hit', 'helix_settings:\n  semantic_cache: { semantic_enabled: false }\n', build.out);
      await waitFor('an exact cache hit', async () => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        return res.headers.get('x-helix-cache') === 'exact';
      });
      targets['helix-hit'] = url;
    }
  }
  if (wanted('helix-pii-off')) targets['helix-pii-off'] = await startHelix('helix-pii-off', `${cacheOff}  pii_protection: { enabled: false }\n`);
  for (let round = 0; round < rounds; round++) {
    for (const [name, url] of Object.entries(targets)) {
      if (!wanted(name)) continue;
      await load(url, body, connections, 2); // warm-up (JIT, pools)
      const many = await withCpu(pids[name]!, () => load(url, body, connections, seconds));
      const one = await withCpu(pids[name]!, () => load(url, body, 1, Math.max(3, Math.round(seconds / 2))));
      if (many.errors || many.non2xx) console.error(`${name}: ${many.errors} errors, ${many.non2xx} non-2xx`);
      (runs[name] ??= []).push({ many, one });
      if (rounds > 1) console.error(`round ${round + 1}/${rounds} ${name}: ${fmt(many.rps, 0)} req/s, ${fmt(many.cpuUsPerReq.server!, 0)} CPU µs/req`);
    }
  }
} finally {
  for (const stop of stops) await stop();
}

// With several rounds every number is the median over the rounds (each taken on its own).
const medianOf = (list: Measured[]): Measured => {
  const first = list[0]!;
  const out = { ...first, cpuUsPerReq: { ...first.cpuUsPerReq } };
  for (const k of ['rps', 'requests', 'p50', 'p99', 'mean', 'errors', 'non2xx'] as const) out[k] = median(list.map((m) => m[k]));
  for (const k of Object.keys(first.cpuUsPerReq)) out.cpuUsPerReq[k] = median(list.map((m) => m.cpuUsPerReq[k]!));
  return out;
};
const results: Record<string, { many: Measured; one: Measured }> = Object.fromEntries(
  Object.entries(runs).map(([name, list]) => [name, { many: medianOf(list.map((x) => x.many)), one: medianOf(list.map((x) => x.one)) }]),
);

/** Compiled JavaScript against tsx, the same gateway and config: CPU per request and throughput. */
function compiledVsTsx(): void {
  const [tsx, compiled] = [results.helix?.many, results['helix-compiled']?.many];
  if (!tsx || !compiled) return;
  const cpu = compiled.cpuUsPerReq.server! / tsx.cpuUsPerReq.server!;
  console.log(`compiled / tsx CPU per request: ${fmt(cpu, 3)}×   (${fmt(compiled.cpuUsPerReq.server!, 0)} vs ${fmt(tsx.cpuUsPerReq.server!, 0)} µs)`);
  console.log(`compiled / tsx throughput: ${fmt((compiled.rps / tsx.rps) * 100, 1)} %`);
}

/** The CPU goals (issue 19): the miss path against bare, the event stream's own cost, an exact hit against bare. */
function cpuGoals(): void {
  const cpu = (name: string) => results[name]?.many.cpuUsPerReq.server;
  const bareCpu = cpu('bare');
  if (bareCpu === undefined) return;
  for (const [name, goal] of [['helix-compiled', 2], ['helix', 2], ['helix-hit', 1.2]] as const) {
    const c = cpu(name);
    if (c !== undefined) console.log(`${name} / bare CPU per request: ${fmt(c / bareCpu, 2)}×   (${fmt(c, 0)} vs ${fmt(bareCpu, 0)} µs; goal ≤ ${goal}×)`);
  }
  const floor = cpu('bare+events');
  if (floor !== undefined) console.log(`the event stream's own CPU per request (bare+events − bare): ${fmt(floor - bareCpu, 0)} µs   (goal ≤ 25 µs)`);
}

if (only) {
  console.log(JSON.stringify(results, null, 1));
  compiledVsTsx();
  cpuGoals();
  process.exit(0);
}
const r = results as Record<'direct' | 'bare' | 'bare+events' | 'helix' | 'helix-compiled' | 'helix-hit' | 'helix-pii-off', { many: Measured; one: Measured }>;
console.log(`\nGateway benchmark: ${connections} connections × ${seconds} s, then 1 connection (loopback; load generator, servers and Kafka share this machine's cores)${rounds > 1 ? `; medians of ${rounds} rounds` : ''}\n`);
console.log(
  table(
    (['direct', 'bare', 'bare+events', 'helix', 'helix-compiled', 'helix-hit', 'helix-pii-off'] as const).map((name) => ({
      target: name,
      'req/s': fmt(r[name].many.rps, 0),
      'p50 ms': fmt(r[name].many.p50, 2),
      'p99 ms': fmt(r[name].many.p99, 2),
      '1-conn req/s': fmt(r[name].one.rps, 0),
      '1-conn ms/req': fmt(1000 / r[name].one.rps, 3),
      // The server process's CPU per request (the upstream's for `direct`), then what the same requests cost the
      // mock upstream and Kafka (events): with 50 connections, and with 1.
      'CPU µs/req': fmt(r[name].many.cpuUsPerReq.server!, 0),
      '1-conn CPU µs/req': fmt(r[name].one.cpuUsPerReq.server!, 0),
      'upstream µs/req': name === 'direct' ? '-' : fmt(r[name].many.cpuUsPerReq.upstream!, 0),
      'kafka µs/req': r[name].many.cpuUsPerReq.kafka !== undefined ? fmt(r[name].many.cpuUsPerReq.kafka!, 0) : '-',
    })),
  ),
);
const ratio = r.helix.many.rps / r.bare.many.rps;
const added = 1000 / r.helix.one.rps - 1000 / r.bare.one.rps;
const cpuRatio = r.helix.many.cpuUsPerReq.server! / r.bare.many.cpuUsPerReq.server!;
console.log(`\nhelix / bare throughput: ${fmt(ratio * 100, 1)} %   (target ≥ 50 %)`);
console.log(`helix / bare CPU per request: ${fmt(cpuRatio, 2)}×   (${fmt(r.helix.many.cpuUsPerReq.server!, 0)} vs ${fmt(r.bare.many.cpuUsPerReq.server!, 0)} µs; ${fmt(100 / cpuRatio, 1)} % is the throughput ratio when both are CPU-bound)`);
console.log(`bare+events / bare throughput: ${fmt((r['bare+events'].many.rps / r.bare.many.rps) * 100, 1)} %   (the two events per request alone; helix / bare+events: ${fmt((r.helix.many.rps / r['bare+events'].many.rps) * 100, 1)} %)`);
console.log(`helix / direct throughput: ${fmt((r.helix.many.rps / r.direct.many.rps) * 100, 1)} %`);
console.log(`latency added over bare with 1 connection: ${fmt(added, 3)} ms   (target ≤ 0.3 ms)`);
console.log(`PII on / PII off throughput: ${fmt((r.helix.many.rps / r['helix-pii-off'].many.rps) * 100, 1)} %   (target ≥ 90 %)`);
console.log(`PII on / PII off CPU per request: ${fmt((r.helix.many.cpuUsPerReq.server! / r['helix-pii-off'].many.cpuUsPerReq.server!) * 100, 1)} %`);
compiledVsTsx();
cpuGoals();
