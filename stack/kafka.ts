// Kafka in KRaft mode (each process is both broker and controller), run straight from the jars
// Maven resolves — no tarball, no Docker. One node (startKafka) or a cluster of nodes that form
// the controller quorum together (startKafkaCluster). Several instances can run at once on their
// own ports and data dirs; a stopped node can be started again on the same data.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { defaultReplication } from '../lib/kafka.ts';
import { cacheDir } from '../lib/paths.ts';
import { ensureCached, runCommand } from './download.ts';
import { logTail, sleep, spawnService } from './process.ts';
import { canConnect, freePorts } from './ports.ts';
import type { ServiceProcess } from './process.ts';
import { startServiceRun, type ServiceRun } from './service-run.ts';

export const KAFKA_VERSION = '3.9.1';
const SCALA_VERSION = '2.13';
const JAVA_HINT = 'Kafka needs Java 17+ (Debian: apt-get install openjdk-17-jre-headless)';

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.helix</groupId><artifactId>helix-kafka-dist</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${SCALA_VERSION}</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <!-- the server logs through slf4j; reload4j lets us point it at a file -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`;

/** Shows Maven's downloads as one short line per artifact (file name and size, no URLs). */
function summarizeMavenLine(line: string): string | undefined {
  const downloaded = /Downloaded from [^:]+: \S*\/([^/\s]+) (\(.*\))/.exec(line);
  if (downloaded) return downloaded[1]!.endsWith('.jar') ? `  mvn: ${downloaded[1]} ${downloaded[2]}` : undefined;
  if (line.startsWith('[ERROR]')) return `  mvn: ${line}`;
  return undefined;
}

/** Downloads the Kafka server jars (first run only); returns the dir holding them. */
export async function ensureKafka(): Promise<string> {
  const dir = join(cacheDir, `kafka-${KAFKA_VERSION}`);
  await ensureCached(dir, `Kafka ${KAFKA_VERSION} jars`, async (tmp) => {
    await writeFile(join(tmp, 'pom.xml'), POM);
    await runCommand(
      'mvn',
      ['-B', '-f', join(tmp, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${join(tmp, 'lib')}`, '-DincludeScope=runtime'],
      { cwd: tmp, filterLine: summarizeMavenLine, missingHint: 'the stack fetches Kafka with Maven (Debian: apt-get install maven)' },
    );
    if (!existsSync(join(tmp, 'lib', `kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`))) {
      throw new Error(`helix stack: Maven finished but kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar is missing`);
    }
  });
  return join(dir, 'lib');
}

export interface KafkaOptions {
  port: number;
  controllerPort: number;
  dataDir: string;
  /** Wipe dataDir first (a brand-new cluster). Default false: reuse topics and offsets. */
  fresh?: boolean;
  heapMb?: number;
  readyTimeoutMs?: number;
}

/** `startupMs` counts up to answering metadata requests. */
export interface KafkaInstance extends ServiceRun {
  readonly brokers: string[];
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  /** As logged by the broker itself. */
  readonly version: string;
}

/** One node of a cluster: its id, ports and data, and every node's controller port (the quorum's voters). */
interface NodeSpec extends KafkaOptions {
  nodeId: number;
  controllerPorts: number[];
}

/** A node's broker and controller ports. */
export interface NodePorts {
  port: number;
  controllerPort: number;
}

function serverProperties(o: NodeSpec): string {
  const nodes = o.controllerPorts.length;
  const { factor, minInsync } = defaultReplication(nodes);
  // A node that dies is fenced (its partitions led elsewhere, its replicas out of the in-sync sets) once it has
  // missed heartbeats this long: shorter than Kafka's 9 s, so a local failover is quick.
  const failover = nodes > 1 ? 'broker.heartbeat.interval.ms=500\nbroker.session.timeout.ms=4000\n' : '';
  return `# Written by stack/kafka.ts on every start; edit that file instead.
process.roles=broker,controller
node.id=${o.nodeId}
controller.quorum.voters=${o.controllerPorts.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',')}
listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${join(o.dataDir, 'logs')}
num.partitions=6
default.replication.factor=${factor}
min.insync.replicas=${minInsync}
offsets.topic.replication.factor=${factor}
transaction.state.log.replication.factor=${factor}
transaction.state.log.min.isr=${minInsync}
${failover}# Fewer offsets partitions than the default 50: the first consumer group joins faster.
offsets.topic.num.partitions=6
# Committed offsets live as long as the event topics (35 days): a group stopped for a week resumes where it was.
offsets.retention.minutes=50400
# Consumers join immediately instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Topics are created explicitly by the code that owns them.
auto.create.topics.enable=false
`;
}

function log4jProperties(logFile: string): string {
  return `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${logFile}
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
`;
}

/**
 * Kafka cluster ids are 16 random bytes, base64url without padding. Like Kafka's own Uuid.randomUuid(), never one
 * that starts with '-': the storage tool would read it as an option.
 */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Ready = the broker answers a metadata request (it only listens once it is unfenced). */
async function answersMetadata(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'helix-stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Has the broker create its consumer-offsets topic now (it does so on the first coordinator
 * lookup) so the first consumer group joins at once instead of retrying with error logs.
 */
async function warmUpGroupCoordinator(brokers: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'helix-stack-warmup', brokers, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } }).admin();
  try {
    await admin.connect();
    await admin.describeGroups(['helix-stack-warmup']);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function loggedVersion(logFile: string): string | undefined {
  try {
    return /Kafka version: (\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** A single node: its own controller quorum of one. */
export function startKafka(opts: KafkaOptions): Promise<KafkaInstance> {
  return startNode({ ...opts, nodeId: 1, controllerPorts: [opts.controllerPort] }, newClusterId(), true);
}

export interface KafkaClusterOptions {
  /** Nodes, each a broker and a controller (default 3: a quorum that outlives one node). */
  size?: number;
  /** Node n keeps its data in `<dataDir>/node-<n>`. */
  dataDir: string;
  /** Default: free ports. */
  ports?: NodePorts[];
  fresh?: boolean;
  heapMb?: number;
  readyTimeoutMs?: number;
}

export interface KafkaCluster {
  /** Every node's broker address, in node order: the bootstrap list. */
  readonly brokers: string[];
  /** Node n is nodes[n - 1]; each can be stopped (or killed) and started again on its data. */
  readonly nodes: KafkaInstance[];
  /** Until every node answered and the group coordinator was ready. */
  readonly startupMs: number;
  readonly version: string;
  stop(): Promise<void>;
}

/**
 * A KRaft cluster of `size` combined broker+controller nodes on 127.0.0.1, topics defaulting to the replication
 * lib/kafka.ts gives that many brokers (3 copies, 2 in sync for a write, from 3 nodes on).
 */
export async function startKafkaCluster(opts: KafkaClusterOptions): Promise<KafkaCluster> {
  const started = Date.now();
  const size = opts.ports?.length ?? opts.size ?? 3;
  const ports = opts.ports ?? pairs(await freePorts(2 * size));
  const controllerPorts = ports.map((p) => p.controllerPort);
  const clusterId = (opts.fresh ? undefined : existingClusterId(opts.dataDir, size)) ?? newClusterId();
  if (opts.fresh) await rm(opts.dataDir, { recursive: true, force: true });
  // All at once: a node's broker is only up once a majority of the controllers are.
  const results = await Promise.allSettled(
    ports.map((p, i) => startNode({ ...opts, ...p, nodeId: i + 1, controllerPorts, dataDir: join(opts.dataDir, `node-${i + 1}`), fresh: false }, clusterId, false)),
  );
  const nodes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => void (await Promise.all(nodes.map((n) => n.stop())));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const brokers = nodes.flatMap((n) => n.brokers);
  try {
    if (failed) throw failed.reason;
    await warmUpGroupCoordinator(brokers);
  } catch (err) {
    await stop();
    throw err;
  }
  const startupMs = Date.now() - started;
  return { brokers, nodes, startupMs, version: nodes[0]!.version, stop };
}

function pairs(ports: number[]): NodePorts[] {
  return Array.from({ length: ports.length / 2 }, (_, i) => ({ port: ports[2 * i]!, controllerPort: ports[2 * i + 1]! }));
}

/** The id the nodes were formatted with, so a node formatted later (its data wiped) joins the same cluster. */
function existingClusterId(dataDir: string, size: number): string | undefined {
  for (let n = 1; n <= size; n++) {
    try {
      const id = /^cluster\.id=(\S+)$/m.exec(readFileSync(join(dataDir, `node-${n}`, 'logs', 'meta.properties'), 'utf8'))?.[1];
      if (id) return id;
    } catch {
      // not formatted yet
    }
  }
  return undefined;
}

/** `warmUp`: also wait for the group coordinator (a cluster does that once all its nodes are up). */
async function startNode(opts: NodeSpec, clusterId: string, warmUp: boolean): Promise<KafkaInstance> {
  const libDir = await ensureKafka();
  const { port, controllerPort, dataDir } = opts;
  const brokers = [`127.0.0.1:${port}`];
  const configFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j.properties');
  const serverLog = join(dataDir, 'server.log');
  const classpath = `${libDir}/*`;
  const name = `kafka-${port}`;

  if (opts.fresh) await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  await writeFile(configFile, serverProperties(opts));
  await writeFile(log4jFile, log4jProperties(serverLog));
  const jvmArgs = [`-Xmx${opts.heapMb ?? 512}m`, '-Djava.awt.headless=true', '-XX:+ExitOnOutOfMemoryError', `-Dlog4j.configuration=file:${log4jFile}`];

  // KRaft needs its log dir formatted with a cluster id once; restarts reuse it.
  if (!existsSync(join(dataDir, 'logs', 'meta.properties'))) {
    await runCommand('java', [...jvmArgs, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', configFile], {
      filterLine: () => undefined,
      missingHint: JAVA_HINT,
    });
  }

  async function ready(running: ServiceProcess, started: number): Promise<void> {
    const timeoutMs = opts.readyTimeoutMs ?? 90_000;
    let exitCode: number | null | undefined;
    void running.exited.then((code) => (exitCode = code));
    try {
      for (;;) {
        if (exitCode !== undefined) throw new Error(`exited during startup (code ${exitCode})`);
        if (Date.now() - started > timeoutMs) throw new Error(`not ready after ${timeoutMs / 1000} s`);
        if ((await canConnect(port)) && (await answersMetadata(brokers))) break;
        await sleep(200);
      }
      if (warmUp) await warmUpGroupCoordinator(brokers);
    } catch (err) {
      await running.stop(5_000);
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`helix stack: Kafka on port ${port} ${reason}. Last log lines (${dataDir}):\n${logTail(serverLog)}\n${logTail(join(dataDir, 'stdout.log'), 10)}`);
    }
  }

  const spawn = () =>
    spawnService({
      name,
      cmd: 'java',
      args: [...jvmArgs, '-cp', classpath, 'kafka.Kafka', configFile],
      logFile: join(dataDir, 'stdout.log'),
      cmdlineMatch: configFile,
      missingHint: JAVA_HINT,
    });
  return startServiceRun({ spawn, ready }, () => ({ brokers, port, controllerPort, dataDir, version: loggedVersion(serverLog) ?? KAFKA_VERSION }));
}
