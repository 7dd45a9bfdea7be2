// Shared benchmark plumbing: child servers on loopback and autocannon runs with their numbers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { repoRoot } from '../lib/paths.ts';

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a TS server script that prints `listening <port>` once ready. */
export async function startServer(script: string, env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<Server> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(repoRoot, script)], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(); // already exited (or killed)
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface LoadResult {
  rps: number;
  /** Responses received during the run (warm-up excluded). */
  requests: number;
  p50: number;
  p99: number;
  mean: number;
  errors: number;
  non2xx: number;
}

export async function load(url: string, body: string, connections: number, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { rps: r.requests.average, requests: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.average, errors: r.errors, non2xx: r.non2xx };
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** The q-quantile (0…1) of ascending-sorted samples, nearest-rank; NaN when there are none. */
export const percentile = (sorted: ArrayLike<number>, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Median of the numbers that are not NaN (NaN when none are). */
export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i]!)).join('  ');
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}

// CPU time of a process, from /proc/<pid>/stat: user + system time of all its threads (JIT, GC and libuv
// threads included). req/s on a shared 2-core machine moves with whatever else runs; CPU per request barely does,
// so it is the number to compare servers and before/after changes with.
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of `pid` in microseconds; NaN when it cannot be read (process gone, no /proc). */
export function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces, hence lastIndexOf): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** CPU µs per served request for each named pid, measured around `run`. */
export async function withCpu<T extends { requests: number }>(pids: Record<string, number | undefined>, run: () => Promise<T>): Promise<T & { cpuUsPerReq: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMicros(pid)]));
  const result = await run();
  const cpuUsPerReq: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) cpuUsPerReq[name] = (cpuMicros(pid) - before[name]!) / Math.max(1, result.requests);
  return { ...result, cpuUsPerReq };
}
