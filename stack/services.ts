// The project's local services in one call: Kafka and Redis started in parallel, the
// embedding model ensured, and the env vars the gateway, consumers and tests read.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDir } from '../lib/paths.ts';
import { isPidAlive } from './process.ts';
import { say } from './download.ts';
import { startKafka, startKafkaCluster } from './kafka.ts';
import type { KafkaCluster, KafkaInstance, NodePorts } from './kafka.ts';
import { startRedis } from './redis.ts';
import type { RedisInstance } from './redis.ts';
import { ensureEmbeddingModel } from './model.ts';
import type { EmbeddingModel } from './model.ts';
import { assertPortFree, freePorts } from './ports.ts';

export const DEFAULT_PORTS = { kafka: 9092, kafkaController: 9093, redis: 6379 } as const;

export interface ServicesOptions {
  /** 'default' (9092/9093/6379, data kept in .data/) or 'random' (free ports, throwaway data). */
  ports?: 'random' | 'default';
  /** Kafka nodes (default 1); more start a KRaft cluster of that many (stack/kafka.ts), node n on 9090+2n/9091+2n by default. */
  kafkaBrokers?: number;
}

export interface Services {
  /** HELIX_KAFKA_BROKERS, HELIX_REDIS_URL, HELIX_MODEL_DIR */
  env: Record<string, string>;
  /** The first (or only) Kafka node. */
  kafka: KafkaInstance;
  /** Every Kafka node: the only one, or the cluster's. */
  kafkaCluster: KafkaCluster;
  redis: RedisInstance;
  model: EmbeddingModel;
  stop(): Promise<void>;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const throwawayRoot = join(dataDir, 'runs');

/** Data dirs `runs/<pid>-<time>` of test runs that were killed before they could clean up. */
async function removeOrphanedRunData(): Promise<void> {
  if (!existsSync(throwawayRoot)) return;
  for (const name of await readdir(throwawayRoot)) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !isPidAlive(pid)) await rm(join(throwawayRoot, name), { recursive: true, force: true });
  }
}

/** One node, as a cluster of one. */
async function startKafkaNode(ports: NodePorts, dataDir: string, fresh: boolean): Promise<KafkaCluster> {
  const node = await startKafka({ ...ports, dataDir, fresh });
  return { brokers: node.brokers, nodes: [node], startupMs: node.startupMs, version: node.version, stop: () => node.stop() };
}

export async function startServices(opts: ServicesOptions = {}): Promise<Services> {
  const started = Date.now();
  const random = opts.ports === 'random';
  const kafkaBrokers = opts.kafkaBrokers ?? 1;
  let ports: { kafka: NodePorts[]; redis: number } = {
    kafka: Array.from({ length: kafkaBrokers }, (_, i) => ({ port: DEFAULT_PORTS.kafka + 2 * i, controllerPort: DEFAULT_PORTS.kafkaController + 2 * i })),
    redis: DEFAULT_PORTS.redis,
  };
  let root = dataDir;
  if (random) {
    const free = await freePorts(2 * kafkaBrokers + 1);
    ports = { kafka: ports.kafka.map((_, i) => ({ port: free[2 * i]!, controllerPort: free[2 * i + 1]! })), redis: free.at(-1)! };
    await removeOrphanedRunData();
    root = join(throwawayRoot, `${process.pid}-${Date.now()}`);
  } else {
    for (const node of ports.kafka) {
      await assertPortFree(node.port, 'Kafka');
      await assertPortFree(node.controllerPort, 'the Kafka controller');
    }
    await assertPortFree(ports.redis, 'Redis');
  }

  const [kafka, redis, model] = await Promise.allSettled([
    kafkaBrokers > 1
      ? startKafkaCluster({ ports: ports.kafka, dataDir: join(root, 'kafka-cluster'), fresh: random })
      : startKafkaNode(ports.kafka[0]!, join(root, 'kafka'), random),
    startRedis({ port: ports.redis, dataDir: join(root, 'redis') }),
    ensureEmbeddingModel(),
  ]);
  const removeThrowawayData = async (): Promise<void> => {
    if (random) await rm(root, { recursive: true, force: true });
  };
  if (kafka.status === 'rejected' || redis.status === 'rejected' || model.status === 'rejected') {
    // Don't leave the half that did start running.
    await Promise.all([kafka.status === 'fulfilled' && kafka.value.stop(), redis.status === 'fulfilled' && redis.value.stop()]);
    await removeThrowawayData();
    const failed = [kafka, redis, model].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw failed?.reason instanceof Error ? failed.reason : new Error(String(failed?.reason));
  }

  say(`Kafka ${kafka.value.version} on ${kafka.value.brokers.join(',')} ready in ${seconds(kafka.value.startupMs)} (pid ${kafka.value.nodes.map((n) => n.pid).join(', ')})`);
  say(`Redis ${redis.value.version} [${redis.value.modules.join(', ')}] on ${redis.value.url} ready in ${seconds(redis.value.startupMs)} (pid ${redis.value.pid})`);
  say(`embedding model ${model.value.modelId} in ${model.value.localModelPath}`);
  say(`services up in ${seconds(Date.now() - started)}`);

  const services = { kafka: kafka.value.nodes[0]!, kafkaCluster: kafka.value, redis: redis.value, model: model.value };
  return {
    ...services,
    env: {
      HELIX_KAFKA_BROKERS: services.kafkaCluster.brokers.join(','),
      HELIX_REDIS_URL: services.redis.url,
      HELIX_MODEL_DIR: services.model.localModelPath,
    },
    async stop() {
      const stopping = Date.now();
      await Promise.all([services.kafkaCluster.stop(), services.redis.stop()]);
      await removeThrowawayData();
      say(`services stopped in ${seconds(Date.now() - stopping)}`);
    },
  };
}
