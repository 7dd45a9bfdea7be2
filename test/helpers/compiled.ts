// The production build in tests and benchmarks: tsconfig.build.json compiled into a throwaway folder, and Helix's
// entry points started from it with plain node (no tsx), as the Docker image runs them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.ts';

export interface CompiledBuild {
  /** The output folder (the equivalent of dist/). */
  out: string;
  buildMs: number;
  remove(): void;
}

/**
 * Compiles into `.tmp/dist-*`: inside the repository, one level below package.json like dist/, so the compiled
 * modules find the package's `"type": "module"` and its root (lib/paths.ts, the ClickHouse migrations) exactly as in
 * the image. A fresh folder per call, so runs never see each other's output.
 */
export function compileToTemp(): CompiledBuild {
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const out = mkdtempSync(join(repoRoot, '.tmp', 'dist-'));
  const started = Date.now();
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out], { cwd: repoRoot, stdio: 'inherit' });
  } catch (err) {
    rmSync(out, { recursive: true, force: true });
    throw err;
  }
  return { out, buildMs: Date.now() - started, remove: () => rmSync(out, { recursive: true, force: true }) };
}

/** This process's environment plus `env`, without NODE_OPTIONS, so nothing can preload tsx. */
export function plainEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged = { ...process.env, ...env };
  delete merged.NODE_OPTIONS;
  return merged;
}

export interface CompiledProcess {
  child: ChildProcess;
  log(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 20 s. */
  stop(): Promise<void>;
}

/** `node [nodeArgs] <out>/<entry>`: nothing else on the command line; output appended to `logFile`. */
export function spawnCompiled(out: string, entry: string, env: NodeJS.ProcessEnv, logFile: string, nodeArgs: string[] = []): CompiledProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, join(out, entry)], { cwd: repoRoot, env: plainEnv(env), stdio: ['ignore', fd, fd] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
