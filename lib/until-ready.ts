// Start-up against services that may still be starting (or briefly away): retry a step with capped backoff rather
// than exit, so a process never depends on the order its dependencies came up in.
import { logger } from './logger.ts';

export interface UntilReadyOptions {
  /** Give up after this long (default: never — a service keeps waiting, logging each retry). */
  timeoutMs?: number;
  /** Errors that are real (not "not reachable yet") are thrown at once. */
  retryable?: (err: unknown) => boolean;
}

export async function untilReady<T>(what: string, step: () => Promise<T>, opts: UntilReadyOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? Infinity);
  for (let backoff = 250; ; backoff = Math.min(5_000, backoff * 2)) {
    try {
      return await step();
    } catch (err) {
      if (opts.retryable?.(err) === false || Date.now() + backoff > deadline) throw err;
      logger.warn({ err: (err as Error).message, retryInMs: backoff }, `${what} not ready; retrying`);
      await new Promise((r) => setTimeout(r, backoff));
    }
  }
}
