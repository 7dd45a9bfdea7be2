// Redis Stack for the chaos run, with an append-only file: a restarted Redis must come back with the keys, spend
// counters and booked marks it had, as a production Redis with persistence does (stack/redis.ts keeps nothing, which
// suits tests but would turn "restart Redis" into "wipe Redis").
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { askOnce, ensureRedisStack } from '../../stack/redis.ts';
import { logTail, sleep, spawnService, type ServiceProcess } from '../../stack/process.ts';

export interface PersistentRedis {
  readonly url: string;
  readonly pid: number;
  start(): Promise<void>;
  /** SIGTERM: Redis writes and fsyncs its append-only file before it exits. */
  stop(): Promise<void>;
}

const answersPing = (url: string): Promise<boolean> => askOnce(url, async (client) => (await client.ping()) === 'PONG', false);

export async function startPersistentRedis(opts: { port: number; dataDir: string }): Promise<PersistentRedis> {
  const install = await ensureRedisStack();
  await mkdir(opts.dataDir, { recursive: true });
  const url = `redis://127.0.0.1:${opts.port}`;
  const logFile = join(opts.dataDir, 'redis.log');
  const args = ['--port', String(opts.port), '--bind', '127.0.0.1', '--dir', opts.dataDir, '--save', '', '--daemonize', 'no'];
  for (const mod of install.modules) args.push('--loadmodule', mod);
  // everysec is Redis's recommended AOF policy; a graceful stop fsyncs it completely.
  args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
  let proc: ServiceProcess | undefined;

  const start = async () => {
    if (proc?.isRunning()) return;
    const running = spawnService({ name: `chaos-redis-${opts.port}`, cmd: install.serverBin, args, logFile, cmdlineMatch: `127.0.0.1:${opts.port}` });
    proc = running;
    const deadline = Date.now() + 30_000;
    while (!(await answersPing(url))) {
      if (!running.isRunning() || Date.now() > deadline) {
        await running.stop(5_000);
        throw new Error(`chaos: Redis on port ${opts.port} did not start:\n${logTail(logFile)}`);
      }
      await sleep(50);
    }
  };
  await start();
  return {
    url,
    get pid() {
      return proc?.pid ?? -1;
    },
    start,
    stop: async () => proc?.stop(15_000),
  };
}
