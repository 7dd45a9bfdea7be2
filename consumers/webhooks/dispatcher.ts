// Makes webhook delivery attempts: claims due deliveries from the queue under a lease, settles each (deliver.ts),
// and polls again — at once while there was work, else after `pollMs` or when poked about new deliveries. A
// delivery whose worker dies mid-attempt comes due again when its lease ends.
import { logger } from '../../lib/logger.ts';
import type { TargetGuard } from './address-guard.ts';
import { attempter } from './attempt.ts';
import { deliverer, type DeliverDeps } from './deliver.ts';
import { guardedPost, type PostFn } from './http-post.ts';

export interface DispatcherDeps extends DeliverDeps {
  guard: TargetGuard;
  post?: PostFn;
  now?: () => number;
  pollMs?: number;
  /** Deliveries attempted at once. */
  concurrency?: number;
}

const CLAIM_MARGIN_MS = 30_000;

export function createDispatcher(deps: DispatcherDeps) {
  const { settings, queue } = deps;
  const now = deps.now ?? Date.now;
  const attemptOnce = attempter({ guard: deps.guard, post: deps.post ?? guardedPost(deps.guard), timeoutMs: settings.timeout_ms, now });
  const handle = deliverer(deps, attemptOnce, now);
  const leaseMs = settings.timeout_ms + CLAIM_MARGIN_MS;
  let stopped = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  /** Attempts every due delivery once; returns how many it handled. */
  async function tick(): Promise<number> {
    const due = await queue.claim(now(), leaseMs, deps.concurrency ?? 16);
    await Promise.all(
      due.map((d) =>
        handle(d).catch((err: unknown) => {
          // Left claimed: it comes due again when the lease ends.
          logger.error({ err: (err as Error).message, delivery: d.id }, 'webhook delivery failed unexpectedly');
        }),
      ),
    );
    return due.length;
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const handled = await tick().catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'webhook queue unavailable');
        return 0;
      });
      if (handled > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deps.pollMs ?? 250);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    tick,
    start() {
      loop ??= run();
    },
    /** New deliveries were queued: look now rather than at the next poll. */
    poke() {
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
