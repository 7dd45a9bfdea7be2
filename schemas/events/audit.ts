// The audit event: one per admin action (virtual key create/update/delete/rotate; team, user, customer and tag
// create/update/delete), on the `audit` topic.
// Same conventions as schemas/events.ts: the versioned envelope, and a `ch` ClickHouse column type per field.
// Never carries a secret: keys are named by their public id and alias; changed fields are names, values only for
// non-secret settings.
import { Type, type Static } from '@sinclair/typebox';
import { col, envelope, lc, str, typeTag } from '../columns.ts';

export const AUDIT_ACTIONS = ['key.create', 'key.update', 'key.delete', 'key.rotate',
  'team.create', 'team.update', 'team.delete', 'user.create', 'user.update', 'user.delete',
  'customer.create', 'customer.update', 'customer.delete', 'tag.create', 'tag.update', 'tag.delete'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEvent = Type.Object({
  event_id: envelope.event_id,
  type: typeTag('audit'),
  schema_version: envelope.schema_version,
  ts: envelope.ts,
  /** The admin request's id (x-request-id). */
  request_id: envelope.request_id,
  /** Envelope tenant fields describe the TARGET key (so the event is partitioned and queryable by it). */
  key_id: envelope.key_id,
  team_id: envelope.team_id,
  user_id: envelope.user_id,
  /** Who acted: `master`, `jwt:<user>` … (never a secret). */
  actor: str(),
  actor_kind: lc(),
  action: col(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a))), 'LowCardinality(String)'),
  target_key_alias: str(),
  /** Names of the settings that changed (all set fields on create). */
  changed_fields: col(Type.Array(Type.String()), 'Array(String)'),
  /** JSON object of the new values of the changed, non-secret settings (limits, models, expiry, team …). */
  changes: str(),
  client_ip: str(),
});

export type AuditEvent = Static<typeof AuditEvent>;
