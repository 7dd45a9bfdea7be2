// A local service process that can be stopped and started again on the same ports and data dir (kafka.ts,
// redis.ts): the current run's pid, whether it runs, and how long its latest start took.
import type { ServiceProcess } from './process.ts';

export interface ServiceLauncher {
  spawn(): ServiceProcess;
  /** Resolves once the service answers; rejects (having stopped the process) if it does not. */
  ready(running: ServiceProcess, started: number): Promise<void>;
  /** How long a stop waits before SIGKILL (default: the process's). */
  stopGraceMs?: number;
}

export interface ServiceRun {
  /** Milliseconds from spawn to answering, for the latest start. */
  readonly startupMs: number;
  readonly pid: number;
  isRunning(): boolean;
  /** Starts again on the same ports and data dir (no-op if running). */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM, SIGKILL after a timeout); data stays. */
  stop(): Promise<void>;
}

/** Starts the service once, then returns `describe()` (read after that start) with the run's members added. */
export async function startServiceRun<F extends object>(launcher: ServiceLauncher, describe: () => F): Promise<F & ServiceRun> {
  let proc: ServiceProcess | undefined;
  let startupMs = 0;

  async function start(): Promise<void> {
    if (proc?.isRunning()) return;
    const started = Date.now();
    const running = launcher.spawn();
    proc = running;
    await launcher.ready(running, started);
    startupMs = Date.now() - started;
  }

  await start();
  const run: ServiceRun = {
    get startupMs() {
      return startupMs;
    },
    get pid() {
      return proc?.pid ?? -1;
    },
    isRunning: () => proc?.isRunning() ?? false,
    start,
    async stop() {
      await proc?.stop(launcher.stopGraceMs);
    },
  };
  // Descriptors, not values: the getters stay live.
  return Object.defineProperties(describe(), Object.getOwnPropertyDescriptors(run)) as F & ServiceRun;
}
