// `npm test`: typecheck + lint, then the real services on random ports, then node's test
// runner over test/**/*.test.ts (or the files/dirs given as arguments) with the services' env.
//   HELIX_SKIP_LINT=1 tsx test/run.ts test/unit/foo.test.ts   — quick iteration
//   tsx test/run.ts test/e2e --test-name-pattern=kafka        — flags go to node --test
//   HELIX_TEST_REDIS=cluster tsx test/run.ts test/unit/x.test.ts — against a 3-master Redis Cluster (docs/scale-out.md)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { dataDir, repoRoot } from '../lib/paths.ts';
import { setPidFileOwner } from '../stack/process.ts';
import { startRedisCluster, type RedisClusterInstance } from '../stack/redis.ts';
import { startServices } from '../stack/services.ts';
import type { Services } from '../stack/services.ts';

const started = Date.now();
setPidFileOwner('test run');
const say = (message: string): void => console.log(`helix test: ${message}`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

interface Captured {
  code: number;
  output: string;
}

function runCaptured(args: string[]): Promise<Captured> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

/** tsc and eslint side by side (each is single-threaded); both outputs printed on failure. */
async function typecheckAndLint(): Promise<boolean> {
  const checks = [
    { name: 'typecheck (tsc)', args: [join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'] },
    { name: 'typecheck of the dashboard (tsc)', args: [join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'ui/tsconfig.json'] },
    { name: 'lint (eslint)', args: [join(repoRoot, 'node_modules/eslint/bin/eslint.js'), '--max-warnings', '0', '.'] },
  ];
  const t0 = Date.now();
  const results = await Promise.all(checks.map((c) => runCaptured(c.args)));
  let ok = true;
  results.forEach((result, i) => {
    const name = checks[i]!.name;
    if (result.code === 0) return;
    ok = false;
    console.log(`\n── ${name} failed ──\n${result.output.trimEnd()}\n`);
  });
  say(ok ? `typecheck and lint clean in ${seconds(Date.now() - t0)}` : 'typecheck/lint failed — fix the above (HELIX_SKIP_LINT=1 skips this step)');
  return ok;
}

function findTestFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && !f.split(/[\\/]/).includes('node_modules'))
    .map((f) => join(dir, f));
}

/** Node 20's --test doesn't expand globs, so we list files ourselves. */
function selectTestFiles(args: string[]): string[] {
  const paths = args.length ? args : [join(repoRoot, 'test')];
  const files = paths.flatMap((p) => {
    const abs = resolve(p);
    return statSync(abs).isDirectory() ? findTestFiles(abs) : [abs];
  });
  return [...new Set(files)].sort().map((f) => relative(repoRoot, f));
}

function runTests(files: string[], flags: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolvePromise) => {
    const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', '--test-timeout=300000', ...flags, ...files];
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env, HELIX_TEST: '1' } });
    // Ctrl+C reaches the runner directly (same process group); SIGTERM sent to us alone is passed on.
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('close', (code, signal) => resolvePromise(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

async function main(): Promise<number> {
  const cliArgs = process.argv.slice(2);
  const flags = cliArgs.filter((a) => a.startsWith('--'));
  let files: string[];
  try {
    files = selectTestFiles(cliArgs.filter((a) => !a.startsWith('--')));
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    return 1;
  }
  if (files.length === 0) {
    say('no test files found');
    return 1;
  }

  if (process.env.HELIX_SKIP_LINT === '1') say('HELIX_SKIP_LINT=1: skipping typecheck and lint');
  else if (!(await typecheckAndLint())) return 1;

  // Services run in their own process group; never exit before stopping them.
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let services: Services;
  try {
    services = await startServices({ ports: 'random' });
  } catch (err) {
    say(`could not start services: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  let cluster: RedisClusterInstance | undefined;
  try {
    if (interrupted) return 130;
    if (process.env.HELIX_TEST_REDIS === 'cluster') {
      cluster = await startRedisCluster({ dataDir: join(dataDir, 'runs', `${process.pid}-redis-cluster`) });
      say(`Redis Cluster of ${cluster.nodes.length} masters on ${cluster.url} (HELIX_TEST_REDIS=cluster)`);
    }
    say(`running ${files.length} test file(s)`);
    return await runTests(files, flags, { ...services.env, ...(cluster ? { HELIX_REDIS_URL: cluster.url } : {}) });
  } finally {
    await cluster?.stop();
    await services.stop();
  }
}

const code = await main();
say(`finished in ${seconds(Date.now() - started)} (exit ${code})`);
process.exit(code);
