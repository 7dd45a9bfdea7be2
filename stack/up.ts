// `npm start`: Kafka, Redis and the embedding model on their default ports, then the gateway
// and the consumers as child processes with the services' env. Ctrl+C stops it all, apps
// first; `npx tsx stack/down.ts` cleans up after a run that was killed outright.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../lib/paths.ts';
import { setPidFileOwner, spawnService } from './process.ts';
import type { ServiceProcess } from './process.ts';
import { assertPortFree, waitForPort } from './ports.ts';
import { startServices } from './services.ts';
import { ensureLocalSqlKey, localSqlKeyFile } from '../lib/local-sql-key.ts';
import { loadConfig, runtimeEnv } from '../lib/config.ts';
import type { Services } from './services.ts';

const APPS = [
  { name: 'gateway', entry: 'gateway/main.ts' },
  { name: 'consumers', entry: 'consumers/main.ts' },
] as const;

setPidFileOwner('npm start');
const gatewayPort = Number(process.env.HELIX_PORT ?? 4000);
const say = (message: string): void => console.log(`[up] ${message}`);

/** Writes each complete line of a child's output with a `[name]` prefix. */
function linePrefixer(name: string): (stream: 'stdout' | 'stderr', chunk: Buffer) => void {
  const pending = { stdout: '', stderr: '' };
  return (stream, chunk) => {
    const lines = (pending[stream] + chunk.toString('utf8')).split('\n');
    pending[stream] = lines.pop() ?? '';
    const out = stream === 'stdout' ? process.stdout : process.stderr;
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  };
}

function printBanner(services: Services, started: string[]): void {
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const rule = '─'.repeat(72);
  const lines = [
    rule,
    ' Helix is running locally',
    started.includes('gateway') ? `   gateway    ${gatewayUrl}` : '   gateway    (not started: gateway/main.ts is missing)',
    ...(started.includes('gateway') && dashboardEnabled(process.env) ? [`   dashboard  ${gatewayUrl}/ui/  (${dashboardSignIn()}; docs/dashboard.md)`] : []),
    started.includes('consumers') ? '   consumers  running' : '   consumers  (not started: consumers/main.ts is missing)',
    `   Kafka      ${services.env.HELIX_KAFKA_BROKERS}`,
    `   Redis      ${services.env.HELIX_REDIS_URL}`,
    `   model      ${relative(repoRoot, join(services.model.localModelPath, services.model.modelId))}`,
  ];
  if (started.includes('gateway')) {
    lines.push(
      ' try:',
      `   curl ${gatewayUrl}/health/ready`,
      `   curl ${gatewayUrl}/v1/chat/completions -H 'content-type: application/json' \\`,
      `     -d '{"model":"mock/echo","messages":[{"role":"user","content":"Hello"}]}'`,
      `   npx helix sql "SELECT model, count() AS requests FROM helix.responses GROUP BY model"`,
    );
  }
  lines.push(' stop: Ctrl+C here, or `npx tsx stack/down.ts` from another shell', rule);
  console.log(lines.join('\n'));
}

/** helix_settings.dashboard.enabled (an unreadable config: the apps report it). */
function dashboardEnabled(env: NodeJS.ProcessEnv): boolean {
  try {
    return loadConfig(env).helix_settings.dashboard.enabled;
  } catch {
    return false;
  }
}

/** What signs in to the dashboard: the master key, or without one the local key (gateway/dashboard/mount.ts). */
function dashboardSignIn(): string {
  if (masterKeyConfigured(process.env)) return 'sign in with the master key';
  return `sign in with the local key: cat ${relative(process.cwd(), localSqlKeyFile(runtimeEnv(process.env).dataDir))}`;
}

/** HELIX_MASTER_KEY or general_settings.master_key (an unreadable config counts as set: the apps report it). */
function masterKeyConfigured(env: NodeJS.ProcessEnv): boolean {
  try {
    return loadConfig(env).env.masterKey !== undefined;
  } catch {
    return true;
  }
}

/** `npm start -- --kafka-brokers 3`: a KRaft cluster of 3 nodes instead of one broker (docs/scale-out.md). */
function kafkaBrokersArg(): number {
  const raw = parseArgs({ options: { 'kafka-brokers': { type: 'string', default: '1' } } }).values['kafka-brokers'];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new Error(`--kafka-brokers must be a whole number from 1 to 9 (got "${raw}")`);
  return n;
}

let services: Services | undefined;
const apps: ServiceProcess[] = [];
let stopping: Promise<void> | undefined;
let interruptedDuringStartup = false;

function shutdown(reason: string, exitCode: number): void {
  if (stopping) return;
  say(`${reason} — stopping…`);
  stopping = (async () => {
    await Promise.all(apps.map((app) => app.stop(10_000)));
    await services?.stop();
    process.exit(exitCode);
  })();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!services) {
      // Services are detached from our process group; wait for them so nothing is orphaned.
      say(`${signal} received; stopping as soon as the services finish starting`);
      interruptedDuringStartup = true;
      return;
    }
    shutdown(`${signal} received`, 0);
  });
}

try {
  await assertPortFree(gatewayPort, 'the gateway (set HELIX_PORT to use another)');
  services = await startServices({ ports: 'default', kafkaBrokers: kafkaBrokersArg() });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
if (interruptedDuringStartup) {
  shutdown('interrupted during startup', 130);
} else {
  const env = { ...process.env, ...services.env, HELIX_PORT: String(gatewayPort), FORCE_COLOR: process.stdout.isTTY ? '1' : '0' };
  // Without a master key the SQL endpoint answers nothing: the local stack gives it a key of its own (helix sql reads it).
  const sqlKey = masterKeyConfigured(env) ? {} : { HELIX_MASTER_KEY: ensureLocalSqlKey(runtimeEnv(env).dataDir) };
  for (const app of APPS) {
    const entry = join(repoRoot, app.entry);
    if (!existsSync(entry)) {
      say(`${app.entry} not found — skipping ${app.name}; the services keep running`);
      continue;
    }
    const child = spawnService({
      name: app.name,
      cmd: process.execPath,
      args: ['--import', 'tsx', entry],
      cwd: repoRoot,
      env: app.name === 'consumers' ? { ...env, ...sqlKey } : env,
      onOutput: linePrefixer(app.name),
      cmdlineMatch: entry,
    });
    apps.push(child);
    void child.exited.then((code) => {
      if (!stopping) shutdown(`${app.name} exited unexpectedly (code ${code})`, 1);
    });
  }
  const started = apps.map((a) => a.name);
  // Banner last, once the gateway listens, so it isn't buried under startup logs.
  if (started.includes('gateway') && !(await waitForPort(gatewayPort, 60_000))) say(`gateway is not listening on port ${gatewayPort} yet`);
  if (!stopping) printBanner(services, started);
}
