// Event-bus tests on a Kafka of the test file's own, which the tests stop and start: the broker (started before the
// file's tests, stopped after), fresh topic prefixes on it, buses closed at the end, and a bus in a child process
// that a test can kill with SIGKILL. Call busKafka() at the top level of the test file.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { EventBus, type EventBusOptions } from '../../lib/event-bus.ts';
import { createKafka, ensureTopics } from '../../lib/kafka.ts';
import { repoRoot } from '../../lib/paths.ts';
import { startKafka, type KafkaInstance } from '../../stack/kafka.ts';
import { freePort } from '../../stack/ports.ts';

export interface BusProcess {
  child: ChildProcess;
  /** Its spool directory (kept after the kill, for a restart on it). */
  spoolDir: string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface BusKafka {
  /** The file's scratch directory (the broker's data, spools, scripts). */
  readonly dir: string;
  readonly kafka: KafkaInstance;
  /** A new topic prefix with the requests and responses topics created. */
  freshTopics(): Promise<string>;
  /** A started bus on a new spool directory under `dir` unless `opts.spoolDir` says otherwise. */
  startBus(prefix: string, opts?: Partial<EventBusOptions>): { bus: EventBus; spoolDir: string };
  /**
   * Runs `loop` (module code; `bus` is a started EventBus on a new spool directory, with `options`) in a child
   * process named `name`; each line it prints goes to `onLine`.
   */
  spawnBus(name: string, prefix: string, options: Partial<Record<keyof EventBusOptions, number>>, loop: string, onLine: (line: string) => void): BusProcess;
}

/** `tag` names the scratch directory, the topic prefixes and the Kafka client ids. */
export function busKafka(tag: string): BusKafka {
  const dir = mkdtempSync(join(tmpdir(), `helix-${tag}-`));
  let kafka: KafkaInstance | undefined;
  const buses: EventBus[] = [];
  const brokers = () => kafka!.brokers;

  before(async () => {
    kafka = await startKafka({ port: await freePort(), controllerPort: await freePort(), dataDir: join(dir, 'kafka'), fresh: true });
  });
  after(async () => {
    await Promise.all(buses.map((b) => b.close(500)));
    await kafka?.stop();
  });

  return {
    dir,
    get kafka() {
      return kafka!;
    },
    async freshTopics() {
      const prefix = `${tag}-${randomBytes(4).toString('hex')}.`;
      await ensureTopics(createKafka(brokers(), 'helix-test-topics'), prefix, ['requests', 'responses']);
      return prefix;
    },
    startBus(prefix, opts = {}) {
      const spoolDir = opts.spoolDir ?? mkdtempSync(join(dir, 'spool-'));
      const bus = new EventBus({ kafka: createKafka(brokers(), `helix-test-${tag}`), topicPrefix: prefix, spoolDir, ...opts });
      bus.start();
      buses.push(bus);
      return { bus, spoolDir };
    },
    spawnBus(name, prefix, options, loop, onLine) {
      const spoolDir = mkdtempSync(join(dir, `spool-${name}-`));
      const script = join(dir, `${name}.mts`);
      writeFileSync(
        script,
        `import { EventBus } from ${JSON.stringify(join(repoRoot, 'lib/event-bus.ts'))};
         import { createKafka } from ${JSON.stringify(join(repoRoot, 'lib/kafka.ts'))};
         const [brokers, prefix, spoolDir] = process.argv.slice(2);
         const bus = new EventBus({ kafka: createKafka(brokers.split(','), 'helix-test-${name}'), topicPrefix: prefix, spoolDir, ...${JSON.stringify(options)} });
         bus.start();
         ${loop}`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script, brokers().join(','), prefix, spoolDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      createInterface({ input: child.stdout! }).on('line', onLine);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      return {
        child,
        spoolDir,
        async kill() {
          child.kill('SIGKILL');
          await exited;
        },
      };
    },
  };
}
