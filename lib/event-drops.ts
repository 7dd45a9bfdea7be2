// Events the bus gave up on, by reason: counted (stats and metrics) and logged, at most one line per reason every
// few seconds, so a full disk cannot flood the log. Which events may be dropped, and when, is spool-admission.ts.
import { logger } from './logger.ts';
import { LogThrottle } from './log-throttle.ts';

export const DROP_REASONS = {
  /** A sheddable event (request, cache fill) while the spool is near its size cap. */
  spool_full: 'spool near its size cap: event not spooled',
  /** A sheddable event while the spool cannot be written (disk full, directory not writable). */
  spool_unwritable: 'spool not writable: event not spooled',
  /** An event that had to wait in memory for the spool (at its cap, or not writable) when memory was full too. */
  memory_full: 'spool unavailable and memory queue full: event dropped',
  /** Waiting in memory for a spool that could not be written when the process stopped. */
  unwritten_at_close: 'spool not writable at shutdown: events waiting in memory lost',
  /** Published after close(). */
  closed: 'event bus closed: event dropped',
} as const;

export type DropReason = keyof typeof DROP_REASONS;

export type DropCounts = Record<DropReason, number>;

export class EventDrops {
  readonly counts: DropCounts = { spool_full: 0, spool_unwritable: 0, memory_full: 0, unwritten_at_close: 0, closed: 0 };
  private readonly throttles = new Map<DropReason, LogThrottle>();
  private readonly countsLogged: DropCounts = { ...this.counts };

  record(reason: DropReason, topic: string, n = 1): void {
    this.counts[reason] += n;
    let throttle = this.throttles.get(reason);
    if (!throttle) this.throttles.set(reason, (throttle = new LogThrottle()));
    if (throttle.pass() === undefined) return;
    const fields = { reason, topic, dropped_total: this.counts[reason], dropped_since_last_line: this.counts[reason] - this.countsLogged[reason] };
    this.countsLogged[reason] = this.counts[reason];
    // spool_full and spool_unwritable drop only sheddable events (no billing in them); the others may drop anything.
    if (reason === 'spool_full' || reason === 'spool_unwritable') logger.warn(fields, DROP_REASONS[reason]);
    else logger.error(fields, DROP_REASONS[reason]);
  }
}
