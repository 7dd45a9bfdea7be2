// Starts the cache-builder group: every cache fill on the topic becomes a semantic entry (core/cache/fill-writer.ts).
import type { Kafka } from 'kafkajs';
import type { HelixConfig } from '../../lib/config.ts';
import { runConsumer, type RunningConsumer } from '../../lib/consume/runner.ts';
import { openFillWriter, type FillWriterOptions } from '../../core/cache/fill-writer.ts';

export const CACHE_BUILDER_GROUP = 'helix-cache-builder';

export interface RunningCacheBuilder extends RunningConsumer {
  name: string;
}

export async function startCacheBuilder(kafka: Kafka, config: HelixConfig, opts: FillWriterOptions & { groupId?: string } = {}): Promise<RunningCacheBuilder> {
  const writer = await openFillWriter(config, opts);
  const consumer = await runConsumer({
    kafka,
    groupId: opts.groupId ?? CACHE_BUILDER_GROUP,
    topics: ['cacheFill'],
    topicPrefix: config.env.topicPrefix,
    sink: writer.sink,
    miniBatch: 256,
    fromBeginning: true,
  });
  return {
    name: 'cache-builder',
    stats: consumer.stats,
    async stop() {
      await consumer.stop();
      await writer.close();
    },
  };
}
