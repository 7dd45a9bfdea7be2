// What every consumer group's start shares: the consume loop on the process's topic prefix and metrics port, a stop
// that ends the loop before the group's own connections, the stand-in for a group that is switched off, and the
// connections several groups open (a fail-fast Redis, an idempotent producer).
import type { Kafka, Producer } from 'kafkajs';
import { createRedis, type RedisClient } from '../lib/redis.ts';
import type { HelixConfig } from '../lib/config.ts';
import { connectProducer, createDurableProducer } from '../lib/kafka.ts';
import { metricsPort } from '../lib/consume/metrics.ts';
import type { ConsumerOptions, RunningConsumer } from '../lib/consume/options.ts';
import { runConsumer } from '../lib/consume/runner.ts';

export interface RunningGroup extends RunningConsumer {
  name: string;
}

export interface GroupSpec<T> extends Omit<ConsumerOptions<T>, 'kafka' | 'topicPrefix' | 'metricsPort'> {
  name: string;
  /** Closes the group's own connections; runs once the consume loop has stopped. */
  close?(): Promise<void>;
}

export async function startGroup<T>(kafka: Kafka, config: HelixConfig, spec: GroupSpec<T>): Promise<RunningGroup> {
  const { name, close, ...options } = spec;
  const consumer = await runConsumer({
    ...options,
    kafka,
    topicPrefix: config.env.topicPrefix,
    metricsPort: metricsPort(config.helix_settings.analytics.consumers_metrics_port),
  });
  return {
    name,
    stats: consumer.stats,
    async stop() {
      await consumer.stop();
      await close?.();
    },
  };
}

/** A group that is configured off: nothing runs, nothing to stop. */
export function idleGroup(name: string): RunningGroup {
  return { name, stop: async () => undefined, stats: () => ({ written: 0, deadLettered: 0, retrying: false }) };
}

/** Commands fail (and the consume loop retries) rather than queue up while Redis is away. */
export async function failFastRedis(url: string): Promise<RedisClient> {
  const redis = createRedis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

/** A connected producer whose sends are idempotent and in order (one request in flight), for acks: -1 sends. */
export async function durableProducer(kafka: Kafka, what: string): Promise<Producer> {
  const producer = createDurableProducer(kafka);
  await connectProducer(producer, what);
  return producer;
}
