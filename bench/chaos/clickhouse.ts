// "ClickHouse" for the chaos run: stack/clickhouse-server.ts (ClickHouse's HTTP interface over chdb) in a process of
// its own, so it can be killed and brought back while the consumers keep running (the embedded store lives inside the
// consumers process and cannot go away on its own; test/e2e/clickhouse-outage.test.ts does the same).
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.ts';
import { logTail, sleep, spawnService, type ServiceProcess } from '../../stack/process.ts';

export interface ClickhouseProcess {
  readonly url: string;
  /** The server process's pid (-1 while it is not running). */
  readonly pid: number;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Rows of a read-only query (JSONEachRow). */
  query<T>(sql: string): Promise<T[]>;
}

export async function startClickhouse(opts: { port: number; dataDir: string }): Promise<ClickhouseProcess> {
  const url = `http://127.0.0.1:${opts.port}`;
  const logFile = join(opts.dataDir, 'clickhouse-server.log');
  const path = join(opts.dataDir, 'clickhouse');
  let proc: ServiceProcess | undefined;

  const ping = async () => {
    try {
      return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false;
    }
  };
  const start = async () => {
    if (proc?.isRunning()) return;
    const running = spawnService({
      name: `chaos-clickhouse-${opts.port}`,
      cmd: process.execPath,
      args: ['--import', 'tsx', join(repoRoot, 'stack/clickhouse-server.ts'), '--port', String(opts.port), '--path', path],
      cwd: repoRoot,
      logFile,
      cmdlineMatch: path,
    });
    proc = running;
    const deadline = Date.now() + 60_000;
    while (!(await ping())) {
      if (!running.isRunning() || Date.now() > deadline) {
        await running.stop(5_000);
        throw new Error(`chaos: ClickHouse server on port ${opts.port} did not start:\n${logTail(logFile)}`);
      }
      await sleep(100);
    }
  };
  await start();
  return {
    url,
    get pid() {
      return proc?.isRunning() ? proc.pid : -1;
    },
    start,
    async kill() {
      const running = proc;
      if (!running?.isRunning()) return;
      process.kill(running.pid, 'SIGKILL');
      await running.exited;
    },
    stop: async () => proc?.stop(15_000),
    async query<T>(sql: string): Promise<T[]> {
      const res = await fetch(`${url}/?database=helix`, { method: 'POST', body: `${sql} FORMAT JSONEachRow`, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (!res.ok) throw new Error(`ClickHouse ${res.status}: ${text.slice(0, 300)}`);
      return text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as T);
    },
  };
}
