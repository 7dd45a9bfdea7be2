// Everything the chaos run starts, kills and restarts, all on 127.0.0.1: Kafka (KRaft, from the jars), Redis Stack
// with an append-only file, ClickHouse (chdb behind its HTTP interface, a process of its own), a slow upstream for
// long streams, the consumers process and one gateway with a master key and the mock provider.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startKafka, type KafkaInstance } from '../../stack/kafka.ts';
import { ensureEmbeddingModel } from '../../stack/model.ts';
import { freePorts } from '../../stack/ports.ts';
import { sleep } from '../../stack/process.ts';
import { spawnHelix, waitFor, type HelixProcess } from '../../test/helpers/processes.ts';
import { startClickhouse, type ClickhouseProcess } from './clickhouse.ts';
import { startPersistentRedis, type PersistentRedis } from './redis.ts';
import { startSlowUpstream } from './upstream.ts';

export const MASTER_KEY = 'sk-helix-chaos-master';
/** USD per token: every request costs something, so spend and budgets are exact and non-zero. */
export const PRICES = { input_cost_per_token: 0.00001, output_cost_per_token: 0.00003 };

export interface Cluster {
  dir: string;
  gatewayUrl: string;
  kafka: KafkaInstance;
  redis: PersistentRedis;
  clickhouse: ClickhouseProcess;
  gateway: HelixProcess | undefined;
  consumers: HelixProcess | undefined;
  /** Starts the gateway (same port, so the same spool dir); `events` becomes its helix_settings.events. */
  startGateway(events?: Record<string, unknown>): Promise<void>;
  startConsumers(): Promise<void>;
  killKafka(): Promise<void>;
  stop(): Promise<void>;
}

function configYaml(upstreamUrl: string, events: Record<string, unknown> | undefined): string {
  return stringify({
    model_list: [
      { model_name: 'mock/echo', litellm_params: { model: 'mock/echo', ...PRICES } },
      { model_name: 'chaos/slow', litellm_params: { model: 'openai/slow', api_base: `${upstreamUrl}/v1`, api_key: 'sk-chaos-upstream', ...PRICES } },
    ],
    helix_settings: {
      // Exact hits only: the embedding model would spend the shared cores on every restart and fill.
      semantic_cache: { semantic_enabled: false },
      // A loaded 2-core machine answers Redis slowly at times; a refusal for that would be noise, not chaos.
      budgets: { redis_timeout_ms: 1000 },
      ...(events ? { events } : {}),
    },
  });
}

/** Kills a process with SIGKILL and waits for it to be gone. */
export async function killNow(p: HelixProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGKILL');
  await exited;
}

export async function startCluster(say: (line: string) => void): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'helix-chaos-'));
  const [kafkaPort, controllerPort, redisPort, chPort, gatewayPort, metricsPort] = await freePorts(6);
  // Stopped in reverse order of start.
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  const t0 = Date.now();
  try {
    // Each registers its stop as soon as it is up, so a failed start leaves nothing running.
    const started = <T>(p: Promise<T>, stop: (v: T) => Promise<unknown>) => p.then((v) => (stops.push(() => stop(v)), v));
    const settled = await Promise.allSettled([
      started(startKafka({ port: kafkaPort!, controllerPort: controllerPort!, dataDir: join(dir, 'kafka'), fresh: true }), (k) => k.stop()),
      started(startPersistentRedis({ port: redisPort!, dataDir: join(dir, 'redis') }), (r) => r.stop()),
      started(startClickhouse({ port: chPort!, dataDir: dir }), (c) => c.stop()),
      started(startSlowUpstream(), (u) => u.close()),
      ensureEmbeddingModel(),
    ]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const value = <T>(r: PromiseSettledResult<T>) => (r as PromiseFulfilledResult<T>).value;
    const [kafka, redis, clickhouse, upstream, model] = [value(settled[0]), value(settled[1]), value(settled[2]), value(settled[3]), value(settled[4])];
    say(`Kafka, Redis, ClickHouse and the slow upstream up in ${((Date.now() - t0) / 1000).toFixed(1)} s (data in ${dir})`);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const env: NodeJS.ProcessEnv = {
      HELIX_KAFKA_BROKERS: kafka.brokers.join(','),
      HELIX_REDIS_URL: redis.url,
      HELIX_MODEL_DIR: model.localModelPath,
      CLICKHOUSE_URL: clickhouse.url,
      HELIX_QUERY_URL: clickhouse.url,
      HELIX_DATA_DIR: dir,
      HELIX_PORT: String(gatewayPort),
      HELIX_MASTER_KEY: MASTER_KEY,
      HELIX_CONSUMERS_METRICS_PORT: String(metricsPort),
      HELIX_TOPIC_PREFIX: '',
      HELIX_LOG_LEVEL: 'info',
    };
    let configs = 0;
    const cluster: Cluster = {
      dir,
      gatewayUrl,
      kafka,
      redis,
      clickhouse,
      gateway: undefined,
      consumers: undefined,
      async startGateway(events) {
        const config = join(dir, `helix-${++configs}.yaml`);
        writeFileSync(config, configYaml(upstream.url, events));
        const gw = spawnHelix('gateway/main.ts', { ...env, HELIX_CONFIG: config }, 'gateway', dir);
        cluster.gateway = gw;
        await waitFor('the gateway', async () => gw.child.exitCode === null && (await fetch(`${gatewayUrl}/health/live`)).ok, 90_000, 100).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}\n${gw.log().slice(-3000)}`);
        });
      },
      async startConsumers() {
        const config = join(dir, 'helix-consumers.yaml');
        writeFileSync(config, configYaml(upstream.url, undefined));
        cluster.consumers = spawnHelix('consumers/main.ts', { ...env, HELIX_CONFIG: config }, 'consumers', dir);
        // Up = its consume loops run (their metrics server starts with the first); joining groups is the probe's job.
        const c = cluster.consumers;
        await waitFor('the consumers', async () => c.child.exitCode === null && (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok, 120_000, 200).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}\n${c.log().slice(-3000)}`);
        });
      },
      async killKafka() {
        if (!kafka.isRunning()) return;
        process.kill(kafka.pid, 'SIGKILL');
        const deadline = Date.now() + 30_000;
        while (kafka.isRunning() && Date.now() < deadline) await sleep(50);
      },
      async stop() {
        await stopAll();
        if (!process.env.HELIX_CHAOS_KEEP) rmSync(dir, { recursive: true, force: true });
      },
    };
    stops.push(async () => Promise.all([cluster.gateway?.stop(), cluster.consumers?.stop()]));
    await cluster.startConsumers();
    await cluster.startGateway();
    say(`consumers and gateway up at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return cluster;
  } catch (err) {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
