// The one consume loop every consumer group uses: connects the group and its dead-letter producer, runs one of two
// modes and stops them in order. Per partition (per-partition.ts) mini-batches are written one after the other;
// with `batch`, all partitions feed one write (shared-batch.ts). Either way offsets are committed only after the
// write and the dead letters succeeded (group-writer.ts) — so a crash redelivers, never skips, and no bad message
// stops a partition. Lag and write metrics: metrics.ts.
import type { Consumer, Producer } from 'kafkajs';
import { topicName } from '../../schemas/topics.ts';
import { createDurableProducer } from '../kafka.ts';
import { untilReady } from '../until-ready.ts';
import { GroupWriter } from './group-writer.ts';
import { serveMetrics, trackLag } from './metrics.ts';
import type { ConsumerOptions, RunningConsumer } from './options.ts';
import { perPartitionHandler } from './per-partition.ts';
import { sharedBatchHandler } from './shared-batch.ts';

const HEARTBEAT_MS = 3_000;

export async function runConsumer<T>(opts: ConsumerOptions<T>): Promise<RunningConsumer> {
  const prefix = opts.topicPrefix;
  const groupId = `${prefix ?? ''}${opts.groupId}`;
  const consumer: Consumer = opts.kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    // Batching consumers take bigger fetches (kafkajs' 1 MB per partition caps a round at a few thousand events),
    // but bounded: a round should be about one write, not several held in memory at once.
    ...(opts.batch ? { maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 } : {}),
    sessionTimeout: 30_000,
    heartbeatInterval: HEARTBEAT_MS,
    // A broker outage longer than kafkajs' retries must not leave the group dead: always rejoin.
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10, restartOnFailure: async () => true },
  });
  const dlq: Producer = createDurableProducer(opts.kafka);
  const topics = opts.topics.map((t) => topicName(t, prefix));
  let stopping = false;
  const isStopping = () => stopping;
  const writer = new GroupWriter({ sink: opts.sink, dlq, topicPrefix: prefix, group: opts.groupId, maxBackoffMs: opts.maxBackoffMs });
  const shared = opts.batch ? sharedBatchHandler(consumer, writer, opts.batch, opts.groupId, isStopping) : undefined;

  await untilReady(`kafka (${groupId})`, async () => {
    await Promise.all([consumer.connect(), dlq.connect()]);
    await consumer.subscribe({ topics, fromBeginning: opts.fromBeginning ?? true });
  });
  const untrack = trackLag({ kafka: opts.kafka, groupId, topics });
  const releaseMetrics = opts.metricsPort ? await serveMetrics(opts.metricsPort, process.env.HELIX_HOST) : async () => undefined;

  await consumer.run({
    eachBatchAutoResolve: false,
    // Shared batching commits explicitly after each write.
    autoCommit: !shared,
    // Shared batching needs every assigned partition's handler running at once (kafkajs waits for all of a
    // fetch round's handlers before fetching again).
    partitionsConsumedConcurrently: shared ? 64 : 1,
    eachBatch: shared ? shared.eachBatch : perPartitionHandler(writer, opts.miniBatch ?? 1_000, isStopping),
  });

  return {
    async stop() {
      await shared?.drain();
      stopping = true;
      untrack();
      await consumer.disconnect().catch(() => undefined);
      await dlq.disconnect().catch(() => undefined);
      await releaseMetrics();
    },
    stats: () => writer.stats(),
  };
}
