// Writes a batch so that one bad message cannot stop the rest. A transient failure retries the very same batch
// (the same array: the ClickHouse sink re-sends the identical insert, dedup token included) with capped backoff,
// for as long as it takes. A failure that blames the data (failures.ts) is given a few tries, then the batch is
// split in halves, each written on its own, down to the single message that still fails: that one is returned as
// poison for the dead-letter topic and everything else is written. Each message ends up in exactly one
// successful write or in the poison list; a half that was partly stored before the failure is deduplicated by the
// sink (it must be idempotent anyway: redeliveries).
import { classifyFailure, type Failure } from './failures.ts';

/** The consume loop gave up on this write (shutdown, partitions revoked): nothing of it counts as done. */
export class Stopped extends Error {}

export interface RetryPolicy {
  /** True once the loop should give up: the write then throws Stopped. */
  stopped(): boolean;
  /** Each failed attempt that is going to be retried after `waitMs`. */
  retrying(failure: Failure, waitMs: number): void;
  /** A write (or a dead-letter send) succeeded: any retrying is over. */
  succeeded(): void;
  /** Runs after each wait (heartbeats). */
  whileWaiting?(): Promise<void>;
  maxBackoffMs: number;
  sleep?(ms: number): Promise<void>;
}

export interface Poison<I> {
  item: I;
  reason: string;
}

/** Tries of a whole batch whose failure blames the data, before it is split (a fluke gets a second chance). */
const BATCH_TRIES = 3;
/** Tries of a single message split off a batch before it is dead-lettered. */
const SINGLE_TRIES = 2;
const FIRST_BACKOFF_MS = 100;

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Writes `items`, isolating the ones that can never be written; resolves with those (in order). */
export function writeIsolating<I>(items: I[], write: (items: I[]) => Promise<void>, policy: RetryPolicy): Promise<Array<Poison<I>>> {
  const sleep = policy.sleep ?? realSleep;

  const settle = async (batch: I[], isRoot: boolean): Promise<Array<Poison<I>>> => {
    let backoff = FIRST_BACKOFF_MS;
    let dataFailures = 0;
    for (;;) {
      try {
        await write(batch);
        policy.succeeded();
        return [];
      } catch (err) {
        if (policy.stopped()) throw new Stopped();
        const failure = classifyFailure(err);
        if (failure.permanent) {
          dataFailures++;
          const tries = isRoot ? BATCH_TRIES : batch.length === 1 ? SINGLE_TRIES : 1;
          if (dataFailures >= tries) {
            if (batch.length === 1) return [{ item: batch[0]!, reason: failure.reason }];
            const mid = Math.ceil(batch.length / 2);
            const first = await settle(batch.slice(0, mid), false);
            return [...first, ...(await settle(batch.slice(mid), false))];
          }
          // Split-off parts are retried at once: the whole batch already had its waits.
          if (!isRoot) continue;
        }
        policy.retrying(failure, backoff);
        await sleep(backoff);
        backoff = Math.min(policy.maxBackoffMs, backoff * 2);
        await policy.whileWaiting?.();
      }
    }
  };

  return settle(items, true);
}

/** Runs `attempt` until it succeeds, with capped backoff, whatever the failure (for sends that must not be dropped). */
export async function retryUntilDone(attempt: () => Promise<void>, policy: RetryPolicy): Promise<void> {
  const sleep = policy.sleep ?? realSleep;
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    try {
      await attempt();
      policy.succeeded();
      return;
    } catch (err) {
      if (policy.stopped()) throw new Stopped();
      policy.retrying({ permanent: false, reason: classifyFailure(err).reason }, backoff);
      await sleep(backoff);
      backoff = Math.min(policy.maxBackoffMs, backoff * 2);
      await policy.whileWaiting?.();
    }
  }
}
