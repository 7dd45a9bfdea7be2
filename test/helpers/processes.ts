// Starts Helix's own processes (gateway, consumers, CLI) as real child processes, the way production runs them,
// each test pipeline isolated by its own topic prefix, data dir and ports on the shared test services.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../stack/ports.ts';
import { repoRoot } from '../../lib/paths.ts';

export interface HelixProcess {
  child: ChildProcess;
  logFile: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  log(): string;
}

export function spawnHelix(entry: string, env: NodeJS.ProcessEnv, name: string, dir: string, nodeArgs: string[] = []): HelixProcess {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(repoRoot, entry)], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

export interface Pipeline {
  env: NodeJS.ProcessEnv;
  gatewayUrl: string;
  dir: string;
  gateway: HelixProcess;
  consumers: HelixProcess;
  startGateway(): Promise<HelixProcess>;
  stop(): Promise<void>;
}

/** A whole isolated Helix (gateway + consumers) on the test run's Kafka and Redis. */
export async function startPipeline(extraEnv: NodeJS.ProcessEnv = {}): Promise<Pipeline> {
  const dir = mkdtempSync(join(tmpdir(), 'helix-test-'));
  const [port, queryPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    HELIX_TOPIC_PREFIX: `t${randomBytes(4).toString('hex')}.`,
    HELIX_DATA_DIR: dir,
    HELIX_PORT: String(port),
    HELIX_QUERY_PORT: String(queryPort),
    HELIX_QUERY_URL: `http://127.0.0.1:${queryPort}`,
    HELIX_MASTER_KEY: 'sk-helix-test-master',
    HELIX_LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const gatewayUrl = `http://127.0.0.1:${env.HELIX_PORT}`;
  const consumers = spawnHelix('consumers/main.ts', env, 'consumers', dir);
  const startGateway = async () => {
    const gw = spawnHelix('gateway/main.ts', env, 'gateway', dir);
    await waitFor('gateway', async () => (await fetch(`${gatewayUrl}/health/live`)).ok, 60_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${gw.log()}`);
    });
    return gw;
  };
  // A process that failed to come up must not outlive the failure (it would hold the test file open).
  const gateway = await startGateway().catch(async (err: unknown) => {
    await consumers.stop();
    throw err;
  });
  await waitFor('consumers', async () => (await fetch(`${env.HELIX_QUERY_URL}/ping`)).ok, 60_000).catch(async (err: unknown) => {
    await Promise.all([gateway.stop(), consumers.stop()]);
    throw new Error(`${(err as Error).message}\n${consumers.log()}`);
  });
  const pipeline: Pipeline = {
    env,
    gatewayUrl,
    dir,
    gateway,
    consumers,
    startGateway,
    async stop() {
      await Promise.all([pipeline.gateway.stop(), consumers.stop()]);
    },
  };
  return pipeline;
}

/**
 * Runs `helix sql` and returns the parsed rows. `viaNpx`: through `npx helix`, exactly the README's command (the
 * package's bin, its shebang and mode) — about a second slower, so the default starts the CLI's entry directly.
 */
export async function helixSql<T = Record<string, unknown>>(env: NodeJS.ProcessEnv, sql: string, opts: { viaNpx?: boolean } = {}): Promise<T[]> {
  const [command, args] = opts.viaNpx ? ['npx', ['--no-install', 'helix']] : [process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts')]];
  const child = spawn(command, [...args, 'sql', sql, '--json'], { cwd: repoRoot, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`helix sql failed (${code}): ${err}`);
  return JSON.parse(out) as T[];
}
