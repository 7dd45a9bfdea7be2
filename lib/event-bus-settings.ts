// The event bus's options from `helix_settings.events` (schemas/config/events.ts), for every process that runs one.
import type { EventsSettings } from '../schemas/config/events.ts';
import type { EventBusOptions } from './event-bus.ts';

export type EventBusSettings = Pick<EventBusOptions, 'memoryMax' | 'lingerMs' | 'spoolAfterMs' | 'spoolFsync' | 'spoolMaxBytes' | 'walCommitMs'>;

export function eventBusSettings(settings: EventsSettings): EventBusSettings {
  return {
    memoryMax: settings.memory_queue_max,
    lingerMs: settings.linger_ms,
    spoolAfterMs: settings.spool_after_ms,
    spoolFsync: settings.spool_fsync_ms,
    spoolMaxBytes: Math.round(settings.spool_max_mb * 1024 * 1024),
    walCommitMs: settings.wal_commit_ms,
  };
}
