// Cache benchmark, one run (the gateway, consumers and cache as `npm start` runs them; docs/cache.md):
//  1. exact-hit throughput through Helix vs the bare fastify pass-through of bench/gateway.ts (target ≥ 1×), with the
//     consumers running and again with them paused;
//  2. semantic-hit latency p50/p99 with 1 and with 8 connections (targets with 1: p50 ≤ 10 ms, p99 ≤ 25 ms) for a
//     repeated paraphrase, and with 1 connection for distinct paraphrases (each embedded, none seen before).
// Real Kafka, Redis Stack, cache-builder and MiniLM. Usage: npx tsx bench/cache.ts [--seconds 10] [--connections 50]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServices } from '../stack/services.ts';
import { fmt, load, percentile, startServer, table, withCpu, type LoadResult } from './lib.ts';
import { spawnHelix, waitFor } from '../test/helpers/processes.ts';
import { freePort } from '../stack/ports.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const chat = (content: string) => JSON.stringify({ model: 'bench', messages: [{ role: 'user', content }] });
const cached = chat('What is the capital of Australia?');
const paraphrase = chat('Hi! Could you please tell me what the capital of Australia is? Thanks!');
// Distinct paraphrases for cold lookups: the gateway reuses the vectors of recent prompts, a repeated one skips MiniLM.
const coldParaphrases = ['', 'Hi! ', 'Hello, ', 'Hey! ', 'Good morning! ', 'Hi there, ', 'Hello there! '].flatMap((hi) =>
  ['could you please tell me', 'can you tell me', 'please tell me', 'I would like to know', 'do you know'].flatMap((ask) =>
    ['?', '? Thanks!', '? Thank you.', '? Thanks a lot!', '? Thanks in advance.'].map((end) => {
      const text = `${hi}${ask} what the capital of Australia is${end}`;
      return chat(text[0]!.toUpperCase() + text.slice(1));
    }),
  ),
);

const services = await startServices({ ports: 'random' });
const dir = mkdtempSync(join(tmpdir(), 'helix-bench-cache-'));
const stops: Array<() => Promise<unknown>> = [() => services.stop()];
const rows: Array<Record<string, string>> = [];
const results: Record<string, LoadResult & { cpuUsPerReq?: Record<string, number> }> = {};
let cold = { hits: 0, p50: NaN, p99: NaN };
const noStore = { 'cache-control': 'no-store' };
try {
  const upstream = await startServer('bench/servers/mock-upstream.ts');
  stops.unshift(upstream.stop);
  const bare = await startServer('bench/servers/bare-passthrough.ts', { UPSTREAM: upstream.url });
  stops.unshift(bare.stop);
  const config = join(dir, 'helix.yaml');
  writeFileSync(config, `model_list:\n  - model_name: bench\n    litellm_params:\n      model: openai/bench-model\n      api_base: ${upstream.url}/v1\n      api_key: sk-bench\n`);
  const port = await freePort();
  const metricsPort = await freePort();
  const env = { ...services.env, HELIX_PORT: String(port), HELIX_CONSUMERS_METRICS_PORT: String(metricsPort), HELIX_CONFIG: config, HELIX_DATA_DIR: dir, HELIX_LOG_LEVEL: 'warn', HELIX_TOPIC_PREFIX: 'benchcache.', HELIX_QUERY_PORT: String(await freePort()) };
  const consumers = spawnHelix('consumers/main.ts', env, 'consumers', dir);
  stops.unshift(() => consumers.stop());
  const helix = spawnHelix('gateway/main.ts', env, 'gateway', dir);
  stops.unshift(() => helix.stop());
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  await waitFor('helix gateway', async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok);
  const post = (body: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  const first = await post(cached);
  if (!first.headers.get('x-helix-cache')) throw new Error('the gateway sends no x-helix-cache header: is helix_settings.semantic_cache.enabled off? (docs/cache.md)');
  await waitFor('exact hit', async () => (await post(cached)).headers.get('x-helix-cache') === 'exact');
  // no-store: a probe that misses must not store the paraphrase as an exact entry (that would shadow the semantic one).
  await waitFor('semantic entry built by the cache-builder', async () => (await post(paraphrase, { 'cache-control': 'no-store' })).headers.get('x-helix-cache') === 'semantic', 120_000, 500);

  await load(`${bare.url}/v1/chat/completions`, cached, connections, 2); // warm-up
  results.bare = await load(`${bare.url}/v1/chat/completions`, cached, connections, seconds);
  await load(url, cached, connections, 2);
  // Helix forwarding without the cache (lookup and store skipped): what an exact hit saves within Helix.
  results.uncached = await load(url, cached, connections, seconds, { 'cache-control': 'no-cache, no-store' });
  results.exact = await load(url, cached, connections, seconds);
  // Latency after the throughput runs: measured on a gateway warmed up by them (steady state, JIT done), once the
  // consumers have drained the events those runs queued; here they share the gateway's two cores, in production not.
  await waitFor('the consumers to drain the throughput runs\' events', () => consumersDrained(metricsPort), 300_000, 1_000);
  // no-store on every semantic request: one slow lookup (a miss or bypass under load) must not store the
  // paraphrase as an exact entry and turn the rest of the run into exact hits.
  await load(url, paraphrase, 1, 2, noStore);
  results.semantic1 = await load(url, paraphrase, 1, seconds, noStore);
  results.semantic8 = await load(url, paraphrase, 8, seconds, noStore);
  // One at a time, each prompt once: latency of the semantic hits among them (the others are misses, not counted).
  const coldMs: number[] = [];
  for (const body of coldParaphrases) {
    const t0 = performance.now();
    const res = await post(body, noStore);
    await res.arrayBuffer();
    if (res.headers.get('x-helix-cache') === 'semantic') coldMs.push(performance.now() - t0);
  }
  coldMs.sort((a, b) => a - b);
  cold = { hits: coldMs.length, p50: percentile(coldMs, 0.5), p99: percentile(coldMs, 0.99) };
  const check = await post(paraphrase, noStore);
  if (check.headers.get('x-helix-cache') !== 'semantic') throw new Error(`expected semantic hits, got ${check.headers.get('x-helix-cache')}`);

  // Last, so the consumers catching up cannot touch the numbers above: bare and exact-hit runs again with the
  // consumer processes stopped (SIGSTOP, then SIGCONT) — the gateway's own hit throughput on this machine, as
  // bench/gateway.ts measures Helix (no consumers there). In production the consumers run on their own cores; here
  // they share the two with everything else. Kept under the group's 30 s session timeout: no rebalance on resume.
  process.kill(consumers.child.pid!, 'SIGSTOP');
  try {
    // CPU per request of every process each run keeps busy (µs): where a hit's cost goes, next to the bare forward's.
    results.bareQuiet = await withCpu({ server: bare.child.pid, upstream: upstream.child.pid }, () => load(`${bare.url}/v1/chat/completions`, cached, connections, seconds));
    results.exactQuiet = await withCpu({ server: helix.child.pid, kafka: services.kafka.pid, redis: services.redis.pid }, () => load(url, cached, connections, seconds));
    results.semantic1Quiet = await load(url, paraphrase, 1, seconds, noStore);
  } finally {
    process.kill(consumers.child.pid!, 'SIGCONT');
  }
} finally {
  for (const stop of stops) await stop();
}

/** True when no consumer group has uncommitted events (helix_consumer_lag_total is 0 for every group). */
async function consumersDrained(metricsPort: number): Promise<boolean> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const lags = [...text.matchAll(/^helix_consumer_lag_total\{[^}]*\} (\S+)$/gm)].map((m) => Number(m[1]));
  return lags.length > 0 && lags.every((lag) => lag === 0);
}

const name = { bare: `bare pass-through (${connections} conn)`, uncached: `helix, cache skipped (${connections} conn)`, exact: `helix exact hit (${connections} conn)`, bareQuiet: `bare pass-through, consumers paused (${connections} conn)`, exactQuiet: `helix exact hit, consumers paused (${connections} conn)`, semantic1: 'helix semantic hit, same prompt (1 conn)', semantic8: 'helix semantic hit, same prompt (8 conn)', semantic1Quiet: 'helix semantic hit, consumers paused (1 conn)' } as const;
for (const [k, label] of Object.entries(name)) {
  const r = results[k]!;
  rows.push({ target: label, 'req/s': fmt(r.rps, 0), 'p50 ms': fmt(r.p50, 2), 'p99 ms': fmt(r.p99, 2), errors: String(r.errors + r.non2xx) });
}
console.log(`\nCache benchmark (${seconds} s per run, loopback; load generator, gateway, consumers, Kafka and Redis share this machine's cores)\n`);
console.log(table(rows));
const ratio = results.exact!.rps / results.bare!.rps;
console.log(`\nexact-hit throughput / bare pass-through: ${fmt(ratio, 2)}×   (target ≥ 1×); with the consumers paused: ${fmt(results.exactQuiet!.rps / results.bareQuiet!.rps, 2)}×`);
const cpuOf = (r: (typeof results)[string] | undefined) => {
  const c = r?.cpuUsPerReq ?? {};
  return `${Object.entries(c).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(' + ')} = ${fmt(Object.values(c).reduce((a, b) => a + b, 0), 0)}`;
};
console.log(`CPU µs per request, consumers paused: bare ${cpuOf(results.bareQuiet)}; exact hit ${cpuOf(results.exactQuiet)}`);
console.log(`exact-hit throughput / helix with the cache skipped: ${fmt(results.exact!.rps / results.uncached!.rps, 2)}×`);
console.log(`semantic hit, 1 connection: p50 ${fmt(results.semantic1!.p50, 2)} ms (target ≤ 10), p99 ${fmt(results.semantic1!.p99, 2)} ms (target ≤ 25)`);
console.log(`semantic hit, 1 connection, each prompt new (embedded): p50 ${fmt(cold.p50, 2)} ms, p99 ${fmt(cold.p99, 2)} ms (${cold.hits} hits of ${coldParaphrases.length} distinct paraphrases)`);
