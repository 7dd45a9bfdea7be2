// The per-partition consume mode: each partition's messages are written in mini-batches, and a mini-batch's offsets
// resolve (and commit, through kafkajs' autocommit) only once it is written and its bad messages dead-lettered.
import type { EachBatchPayload } from 'kafkajs';
import type { GroupWriter } from './group-writer.ts';

export function perPartitionHandler<T>(writer: GroupWriter<T>, miniBatch: number, stopping: () => boolean) {
  return async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    const gone = () => !isRunning() || isStale() || stopping();
    for (let i = 0; i < batch.messages.length; i += miniBatch) {
      if (gone()) return;
      const slice = batch.messages.slice(i, i + miniBatch);
      const { good, bad } = writer.decode(slice, batch.topic, batch.partition);
      // Not written: not resolved, so redelivered after the rebalance/restart.
      if (!(await writer.writeWithin(good, bad, gone, heartbeat))) return;
      resolveOffset(slice[slice.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  };
}
