// What goes into the spool when it is short of room (docs/events.md, "At the cap"). Below 90% of its size cap
// everything does. From 90% on, and while the spool cannot be written, events nothing is billed or audited from
// (requests, cache fills) are dropped and counted, and the bus stops accepting work (the gateway can refuse new
// billable requests): the last 10% is kept for the events that carry billing and audit. When even those cannot be
// written (the cap reached, the disk full), they wait in memory, bounded, and only beyond that bound are dropped.
import type { TopicId } from '../schemas/topics.ts';
import type { DropReason } from './event-drops.ts';

/** Topics nothing is billed or audited from: their events are the first to go when the spool is short of room. */
export const SHEDDABLE_TOPICS: readonly TopicId[] = ['requests', 'cacheFill'];

/** The share of the size cap from which sheddable events are dropped. */
export const SHED_AT = 0.9;

/** Most bytes of events waiting in memory for the spool (besides the memory_queue_max count). */
export const MEMORY_MAX_BYTES = 64 * 1024 * 1024;

export interface SpoolRoom {
  /** On disk and waiting to be written. */
  readonly bytes: number;
  readonly maxBytes: number;
  /** False after a failed write, until a write succeeds again. */
  readonly writable: boolean;
  readonly unwrittenCount: number;
  readonly unwrittenBytes: number;
}

/** Why an event (its spool line `bytes` long) must not be spooled now, or undefined when it may. */
export function spoolRefusal(spool: SpoolRoom, event: { sheddable: boolean; bytes: number }, memoryMax: number): DropReason | undefined {
  if (event.sheddable) {
    if (!spool.writable) return 'spool_unwritable';
    if (spool.bytes + event.bytes > spool.maxBytes * SHED_AT) return 'spool_full';
  }
  if (spool.unwrittenCount >= memoryMax || spool.unwrittenBytes + event.bytes > MEMORY_MAX_BYTES) return 'memory_full';
  return undefined;
}

/** False while the spool sheds events: new billable work would only add events it may have to drop. */
export function spoolHasRoom(spool: SpoolRoom): boolean {
  return spool.writable && spool.bytes < spool.maxBytes * SHED_AT;
}
