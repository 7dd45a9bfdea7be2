// The cross-partition consume mode: every partition's handler adds its messages to one batcher (batcher.ts) and goes
// on fetching; a partition's offsets are committed (explicitly, in order) once the write holding its messages
// succeeded. Fetching and decoding the next round thus overlaps the current write. A handler waits only when the
// batcher is full (backpressure) — and then heartbeats, so a long ClickHouse outage does not cost the group its
// membership.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { logger } from '../logger.ts';
import { Batcher } from './batcher.ts';
import type { GroupWriter } from './group-writer.ts';
import type { DecodedMessage } from './sink.ts';

export interface SharedBatch {
  eachBatch(payload: EachBatchPayload): Promise<void>;
  /** Gives what is buffered a last chance to be written and committed (not forever: ClickHouse may be down). */
  drain(): Promise<void>;
}

export function sharedBatchHandler<T>(
  consumer: Consumer,
  writer: GroupWriter<T>,
  limits: { maxItems: number; lingerMs: number },
  group: string,
  stopping: () => boolean,
): SharedBatch {
  const batcher = new Batcher<DecodedMessage<T>>({ ...limits, write: (items) => writer.write(items, [], stopping) });
  let commits: Promise<unknown> = Promise.resolve();

  const commitAfter = (written: Promise<void>, topic: string, partition: number, last: string) =>
    written.then(
      () => {
        commits = commits
          .then(() => consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]))
          // A lost commit only means a redelivery, which the sink dedupes; the next commit covers it.
          .catch((err: unknown) => logger.warn({ err: (err as Error).message, group, topic, partition }, 'offset commit failed'));
      },
      () => undefined, // stopped before the write: not committed, redelivered after restart
    );

  return {
    async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }) {
      const gone = () => !isRunning() || isStale() || stopping();
      if (batch.messages.length === 0 || gone()) return;
      const { good, bad } = writer.decode(batch.messages, batch.topic, batch.partition);
      if (bad.length > 0 && !(await writer.writeWithin([], bad, gone, heartbeat))) return;
      const last = batch.messages[batch.messages.length - 1]!.offset;
      const written = batcher.add(good);
      void commitAfter(written, batch.topic, batch.partition, last);
      // Moves kafkajs' fetch position only (autoCommit is off in this mode): the commit waits for the write.
      resolveOffset(last);
      if (batcher.pending < limits.maxItems) return;
      const outcome = written.then(
        () => 'written' as const,
        () => 'stopped' as const,
      );
      for (;;) {
        const state = await Promise.race([outcome, sleep(1_000).then(() => 'waiting' as const)]);
        if (state !== 'waiting' || gone()) return;
        await heartbeat().catch(() => undefined);
      }
    },
    async drain() {
      await Promise.race([batcher.flush(), sleep(5_000)]);
      await commits;
    },
  };
}
