// Starts the cache-builder group: every cache fill on the topic becomes a semantic entry (core/cache/fill-writer.ts).
import type { Kafka } from 'kafkajs';
import type { HelixConfig } from '../../lib/config.ts';
import { openFillWriter, type FillWriterOptions } from '../../core/cache/fill-writer.ts';
import { startGroup, type RunningGroup } from '../group.ts';

export const CACHE_BUILDER_GROUP = 'helix-cache-builder';

export async function startCacheBuilder(kafka: Kafka, config: HelixConfig, opts: FillWriterOptions & { groupId?: string } = {}): Promise<RunningGroup> {
  const writer = await openFillWriter(config, opts);
  return startGroup(kafka, config, {
    name: 'cache-builder',
    groupId: opts.groupId ?? CACHE_BUILDER_GROUP,
    topics: ['cacheFill'],
    sink: writer.sink,
    miniBatch: 256,
    fromBeginning: true,
    close: () => writer.close(),
  });
}
