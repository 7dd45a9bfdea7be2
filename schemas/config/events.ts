// `helix_settings.events`: how the event bus batches events for Kafka and spools them to disk while Kafka is away
// (docs/events.md).
import { Type, type Static } from '@sinclair/typebox';

export const EventsSettings = Type.Object(
  {
    memory_queue_max: Type.Integer({
      minimum: 1,
      default: 10000,
      description: 'Most events held in memory: waiting for the next Kafka batch, or waiting for the spool when it cannot be written.',
    }),
    spool_dir: Type.Optional(Type.String()),
    linger_ms: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 20,
      description: 'How long events wait to be sent together: fewer, larger Kafka produce requests (less CPU in the gateway and in Kafka) for this much delivery delay.',
    }),
    spool_after_ms: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 1000,
      description: 'A Kafka send unanswered for this long moves the events waiting in memory, and every new one, to the spool until Kafka catches up.',
    }),
    spool_fsync_ms: Type.Union([Type.Integer({ minimum: 0, maximum: 10_000 }), Type.Literal('always'), Type.Literal('never')], {
      default: 5,
      description:
        'Spool group commit: events are written and fdatasync-ed together at most this many ms after they are emitted. "always" (= 0): a commit starts as soon as the previous one ends; "never": written at once, flushed by the OS (survives a process crash, not a power loss).',
    }),
    wal_commit_ms: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 2,
      description:
        'Group commit of the billing-event write-ahead log: response, error and cache events are written and fdatasync-ed together, a commit starting at most every this many ms (0: as soon as the previous commit ended). EventBus.committed() waits for it.',
    }),
    spool_max_mb: Type.Number({
      exclusiveMinimum: 0,
      default: 1024,
      description: 'Disk the spool may use. At 90% request and cache-fill events are dropped (counted) and the bus stops accepting work; the rest is kept for billing and audit events.',
    }),
  },
  { default: {} },
);

export type EventsSettings = Static<typeof EventsSettings>;
