// Long-running service processes (Kafka, Redis, the gateway…) with a pid file each in
// .data/run/, so `stack/down.ts` can stop whatever a crashed or killed run left behind.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runDir } from '../lib/paths.ts';

export interface PidFile {
  name: string;
  pid: number;
  /** A string that must appear in the process's command line, so a recycled pid is never killed. */
  cmdlineMatch: string;
  startedAt: string;
  /** The process that started it (`npm start`, a test run…) and what that process is. */
  ownerPid: number;
  owner: string;
}

let owner = 'script';
/** Labels the pid files this process writes; `stack/down.ts` always stops those of 'npm start'. */
export function setPidFileOwner(label: string): void {
  owner = label;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (null if killed by a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnServiceOptions {
  name: string;
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here; omit to get them as pipes via `onOutput`. */
  logFile?: string;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  cmdlineMatch: string;
  missingHint?: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Children of this process that are still running, so they can be stopped if we exit. */
const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

/**
 * Services run in their own process group (see spawnService), so nothing stops them when
 * their owner dies. Safety net: on exit — normal, process.exit(), uncaught exception — send
 * them SIGTERM; on a fatal signal that nobody else handles, do the same, then re-raise it.
 */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const terminateAll = (): void => {
    for (const child of liveChildren) child.kill('SIGTERM');
  };
  process.on('exit', terminateAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return; // the host handles it (and should stop us)
      process.removeListener(signal, onSignal);
      terminateAll();
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function pidFilePath(name: string): string {
  return join(runDir, `${name}.json`);
}

export function spawnService(opts: SpawnServiceOptions): ServiceProcess {
  let logFd: number | undefined;
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    logFd = openSync(opts.logFile, 'a');
  }
  const output = logFd ?? 'pipe';
  // Own process group: Ctrl+C in the terminal reaches only us, and we stop things in order
  // (gateway and consumers first, then Kafka and Redis).
  const child = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', output, output],
    detached: true,
  });
  if (logFd !== undefined) closeSync(logFd);
  if (opts.onOutput) {
    const onOutput = opts.onOutput;
    child.stdout?.on('data', (chunk: Buffer) => onOutput('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => onOutput('stderr', chunk));
  }

  let running = child.pid !== undefined;
  if (child.pid !== undefined) {
    liveChildren.add(child);
    installExitHooks();
    mkdirSync(runDir, { recursive: true });
    const record: PidFile = {
      name: opts.name,
      pid: child.pid,
      cmdlineMatch: opts.cmdlineMatch,
      startedAt: new Date().toISOString(),
      ownerPid: process.pid,
      owner,
    };
    writeFileSync(pidFilePath(opts.name), `${JSON.stringify(record)}\n`);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        console.error(`helix stack: cannot start ${opts.name}: "${opts.cmd}" is not on PATH${opts.missingHint ? ` — ${opts.missingHint}` : ''}`);
      } else {
        console.error(`helix stack: ${opts.name}: ${err.message}`);
      }
      running = false;
      resolve(-1);
    });
    child.once('exit', (code) => {
      running = false;
      liveChildren.delete(child);
      removePidFile(opts.name, child.pid);
      resolve(code);
    });
  });

  return {
    name: opts.name,
    pid: child.pid ?? -1,
    exited,
    isRunning: () => running,
    async stop(graceMs = 30_000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        console.error(`helix stack: ${opts.name} did not stop within ${graceMs / 1000} s, killing it`);
        child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function removePidFile(name: string, pid: number | undefined): void {
  try {
    const record = JSON.parse(readFileSync(pidFilePath(name), 'utf8')) as PidFile;
    // A restarted process may already have written a newer pid file under the same name.
    if (record.pid === pid) rmSync(pidFilePath(name), { force: true });
  } catch {
    // already gone
  }
}

export function listPidFiles(): PidFile[] {
  if (!existsSync(runDir)) return [];
  const records: PidFile[] = [];
  for (const name of readdirSync(runDir).filter((n) => n.endsWith('.json'))) {
    try {
      records.push(JSON.parse(readFileSync(join(runDir, name), 'utf8')) as PidFile);
    } catch {
      rmSync(join(runDir, name), { force: true });
    }
  }
  return records;
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True if `pid` is alive and still the process the pid file was written for. */
export function isRecordedProcessAlive(record: PidFile): boolean {
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').join(' ');
    return cmdline.includes(record.cmdlineMatch);
  } catch {
    return false;
  }
}

/** Stops a process known only by its pid file (it is not our child, so we poll for its exit). */
export async function stopRecordedProcess(record: PidFile, graceMs = 30_000): Promise<'stopped' | 'killed' | 'not running'> {
  const file = pidFilePath(record.name);
  if (!isRecordedProcessAlive(record)) {
    rmSync(file, { force: true });
    return 'not running';
  }
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRecordedProcessAlive(record)) {
      rmSync(file, { force: true });
      return 'stopped';
    }
    await sleep(100);
  }
  process.kill(record.pid, 'SIGKILL');
  while (isRecordedProcessAlive(record)) await sleep(50);
  rmSync(file, { force: true });
  return 'killed';
}

/** Last lines of a log file, for error messages when a service fails to start. */
export function logTail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
