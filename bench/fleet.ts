// Many gateways and consumers on the local Kafka and Redis: N gateway processes behind nginx (TLS, the compose's own
// front: deploy/nginx/helix.conf.template), M consumer processes sharing each consumer group, and one ClickHouse they
// all write to (stack/clickhouse-server.ts, ClickHouse's HTTP interface over chdb). What the load command measures and
// test/e2e/multi-gateway.test.ts checks. Every process is a stack service (pid file, stopped on exit).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '../lib/kafka.ts';
import { repoRoot } from '../lib/paths.ts';
import { SINK_GROUP } from '../consumers/clickhouse-sink/start.ts';
import { freePorts } from '../stack/ports.ts';
import { logTail, sleep, spawnService, type ServiceProcess } from '../stack/process.ts';
import { startNginx, type Nginx } from '../stack/nginx.ts';
import { startClickhouse, type ClickhouseProcess } from './chaos/clickhouse.ts';

export interface FleetOptions {
  gateways: number;
  consumers: number;
  /** HELIX_* for every process: the services' (Kafka, Redis, model), HELIX_CONFIG, HELIX_MASTER_KEY, HELIX_TOPIC_PREFIX… */
  env: Record<string, string>;
  /** Logs and data of this fleet. */
  dir: string;
  nginxWorkers?: number | 'auto';
  /** A production build (test/helpers/compiled.ts) to run with plain node; otherwise the TypeScript through tsx. */
  compiledOut?: string;
}

export interface FleetProcess {
  name: string;
  pid: number;
  logFile: string;
  log(lines?: number): string;
}

export interface FleetGateway extends FleetProcess {
  /** `http://127.0.0.1:PORT`, the gateway itself (behind nginx). */
  url: string;
}

export interface Fleet {
  /** nginx's `https://127.0.0.1:PORT`: where clients go. */
  url: string;
  /** The certificate nginx serves (PEM), for clients to trust. */
  ca: string;
  gateways: FleetGateway[];
  consumers: FleetProcess[];
  nginx: Nginx;
  clickhouse: ClickhouseProcess;
  /** The env every Helix process got. */
  env: Record<string, string>;
  /** The consumer group id of the ClickHouse sink (with the topic prefix). */
  sinkGroup: string;
  stop(): Promise<void>;
}

const READY_MS = 90_000;

/** Polls `probe` until it holds; fails early, with the log of the process that stopped, when one does. */
async function waitUntil(what: string, probe: () => Promise<boolean>, procs: Array<{ proc: ServiceProcess; logFile: string }>): Promise<void> {
  const deadline = Date.now() + READY_MS;
  for (;;) {
    if (await probe().catch(() => false)) return;
    const stopped = procs.find((p) => !p.proc.isRunning());
    if (stopped || Date.now() > deadline) throw new Error(`${what} did not become ready${stopped ? ` (a process exited; its log, ${stopped.logFile}, ends)` : ''}:\n${logTail((stopped ?? procs[0]!).logFile)}`);
    await sleep(200);
  }
}

/** Starts the fleet; on failure stops what did start. */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  mkdirSync(opts.dir, { recursive: true });
  const running: Array<() => Promise<void>> = [];
  const stop = async () => {
    // Front first, then gateways (they drain and flush their events), consumers, and ClickHouse last.
    for (const s of running.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const [chPort, ...gatewayPorts] = await freePorts(1 + opts.gateways);
    const chDir = join(opts.dir, 'clickhouse');
    mkdirSync(chDir, { recursive: true });
    const clickhouse = await startClickhouse({ port: chPort!, dataDir: chDir });
    running.push(() => clickhouse.stop());
    const env: Record<string, string> = { ...opts.env, CLICKHOUSE_URL: clickhouse.url, HELIX_QUERY_URL: clickhouse.url };

    const spawnHelix = (name: string, entry: 'gateway/main' | 'consumers/main', extra: Record<string, string>) => {
      const logFile = join(opts.dir, `${name}.log`);
      const merged: NodeJS.ProcessEnv = { ...process.env, ...env, HELIX_DATA_DIR: join(opts.dir, name), ...extra };
      if (opts.compiledOut) delete merged.NODE_OPTIONS; // nothing may preload tsx into the build
      const args = opts.compiledOut ? [join(opts.compiledOut, `${entry}.js`)] : ['--import', 'tsx', join(repoRoot, `${entry}.ts`)];
      const proc = spawnService({ name: `fleet-${name}-${process.pid}`, cmd: process.execPath, args, cwd: repoRoot, env: merged, logFile, cmdlineMatch: entry });
      running.push(() => proc.stop(20_000));
      return { proc, logFile, fleet: { name, pid: proc.pid, logFile, log: (lines = 40) => logTail(logFile, lines) } };
    };

    const consumers = Array.from({ length: opts.consumers }, (_, i) => spawnHelix(`consumers-${i + 1}`, 'consumers/main', {}));
    const gateways = gatewayPorts.map((port, i) => {
      const started = spawnHelix(`gateway-${i + 1}`, 'gateway/main', { HELIX_PORT: String(port) });
      return { ...started, fleet: { ...started.fleet, url: `http://127.0.0.1:${port}` } };
    });
    await Promise.all(gateways.map((g) => waitUntil(g.fleet.name, async () => (await fetch(`${g.fleet.url}/health/live`)).ok, [g])));

    // Every consumer process holds a share of the sink group's partitions before traffic starts: no rebalance mid-run.
    const sinkGroup = `${env.HELIX_TOPIC_PREFIX ?? ''}${SINK_GROUP}`;
    const admin = createKafka((env.HELIX_KAFKA_BROKERS ?? '').split(','), 'helix-fleet-admin').admin();
    await admin.connect();
    try {
      await waitUntil(
        `${opts.consumers} consumer processes in group ${sinkGroup}`,
        async () => {
          const [group] = (await admin.describeGroups([sinkGroup])).groups;
          return group?.state === 'Stable' && group.members.length === opts.consumers;
        },
        consumers,
      );
    } finally {
      await admin.disconnect();
    }

    const nginx = await startNginx({ gateways: gateways.map((g) => g.fleet.url.replace('http://', '')), dir: opts.dir, workers: opts.nginxWorkers });
    running.push(() => nginx.stop());
    return {
      url: nginx.url,
      ca: nginx.ca,
      gateways: gateways.map((g) => g.fleet),
      consumers: consumers.map((c) => c.fleet),
      nginx,
      clickhouse,
      env,
      sinkGroup,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
