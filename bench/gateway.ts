// Gateway benchmark, one process and one run: direct to the mock upstream, a bare fastify+undici pass-through,
// and Helix's full path (real Kafka for events), with PII protection on (default) and off. Prints req/s, p50/p99 and ratios, and the latency Helix adds with
// one connection. Usage: npx tsx bench/gateway.ts [--seconds 10] [--connections 50]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServices } from '../stack/services.ts';
import { fmt, load, startServer, table, type LoadResult } from './lib.ts';
import { spawnHelix, waitFor } from '../test/helpers/processes.ts';
import { freePort } from '../stack/ports.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, extra: { type: 'string', default: '' }, only: { type: 'string' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] });

const services = await startServices({ ports: 'random' });
const dir = mkdtempSync(join(tmpdir(), 'helix-bench-'));
const stops: Array<() => Promise<unknown>> = [() => services.stop()];
const results: Record<string, { many: LoadResult; one: LoadResult }> = {};
try {
  const upstream = await startServer('bench/servers/mock-upstream.ts');
  stops.unshift(upstream.stop);
  const bare = await startServer('bench/servers/bare-passthrough.ts', { UPSTREAM: upstream.url });
  stops.unshift(bare.stop);
  const startHelix = async (name: string, extraYaml: string) => {
    const config = join(dir, `${name}.yaml`);
    writeFileSync(config, `model_list:\n  - model_name: bench\n    litellm_params:\n      model: openai/bench-model\n      api_base: ${upstream.url}/v1\n      api_key: sk-bench\n${extraYaml}${values.extra}`);
    const port = await freePort();
    const profile = process.env.HELIX_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HELIX_BENCH_PROFILE}`] : [];
    const env = { ...services.env, HELIX_PORT: String(port), HELIX_CONFIG: config, HELIX_DATA_DIR: join(dir, name), HELIX_LOG_LEVEL: 'warn', HELIX_TOPIC_PREFIX: `bench-${name}.` };
    const helix = spawnHelix('gateway/main.ts', env, name, dir, profile);
    stops.unshift(() => helix.stop());
    const helixUrl = `http://127.0.0.1:${port}`;
    await waitFor('helix gateway', async () => (await fetch(`${helixUrl}/health/live`)).ok);
    return `${helixUrl}/v1/chat/completions`;
  };
  const targets = {
    direct: `${upstream.url}/v1/chat/completions`,
    bare: `${bare.url}/v1/chat/completions`,
    // Identical bodies would be exact cache hits: the proxy path is measured with the cache off (bench/cache.ts measures hits).
    helix: await startHelix('helix', 'helix_settings:\n  semantic_cache: { enabled: false }\n'),
    'helix-pii-off': await startHelix('helix-pii-off', 'helix_settings:\n  semantic_cache: { enabled: false }\n  pii_protection: { enabled: false }\n'),
  };
  for (const [name, url] of Object.entries(targets)) {
    if (values.only && name !== values.only) continue;
    await load(url, body, connections, 2); // warm-up (JIT, pools)
    const many = await load(url, body, connections, seconds);
    const one = await load(url, body, 1, Math.max(3, Math.round(seconds / 2)));
    if (many.errors || many.non2xx) console.error(`${name}: ${many.errors} errors, ${many.non2xx} non-2xx`);
    results[name] = { many, one };
  }
} finally {
  for (const stop of stops) await stop();
}

if (values.only) {
  console.log(JSON.stringify(results, null, 1));
  process.exit(0);
}
const r = results as Record<'direct' | 'bare' | 'helix' | 'helix-pii-off', { many: LoadResult; one: LoadResult }>;
console.log(`\nGateway benchmark: ${connections} connections × ${seconds} s, then 1 connection (loopback; load generator, servers and Kafka share this machine's cores)\n`);
console.log(
  table(
    (['direct', 'bare', 'helix', 'helix-pii-off'] as const).map((name) => ({
      target: name,
      'req/s': fmt(r[name].many.rps, 0),
      'p50 ms': fmt(r[name].many.p50, 2),
      'p99 ms': fmt(r[name].many.p99, 2),
      '1-conn req/s': fmt(r[name].one.rps, 0),
      '1-conn ms/req': fmt(1000 / r[name].one.rps, 3),
    })),
  ),
);
const ratio = r.helix.many.rps / r.bare.many.rps;
const added = 1000 / r.helix.one.rps - 1000 / r.bare.one.rps;
console.log(`\nhelix / bare throughput: ${fmt(ratio * 100, 1)} %   (target ≥ 50 %)`);
console.log(`helix / direct throughput: ${fmt((r.helix.many.rps / r.direct.many.rps) * 100, 1)} %`);
console.log(`latency added over bare with 1 connection: ${fmt(added, 3)} ms   (target ≤ 0.3 ms)`);
console.log(`PII on / PII off throughput: ${fmt((r.helix.many.rps / r['helix-pii-off'].many.rps) * 100, 1)} %   (target ≥ 90 %)`);
