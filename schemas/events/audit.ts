// The audit event: one per admin action (virtual key create/update/delete/rotate), on the `audit` topic.
// Same conventions as schemas/events.ts: the versioned envelope, and a `ch` ClickHouse column type per field.
// Never carries a secret: keys are named by their public id and alias; changed fields are names, values only for
// non-secret settings.
import { Type, type Static } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { col, envelope, lc, str, typeTag } from '../columns.ts';

export const AUDIT_SCHEMA_VERSION = 1;

export const AUDIT_ACTIONS = ['key.create', 'key.update', 'key.delete', 'key.rotate'] as const;
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

export interface AuditInput {
  action: AuditAction;
  requestId?: string;
  actor: string;
  actorKind: string;
  target: { key_id: string; key_alias?: string | undefined; team_id?: string | undefined; user_id?: string | undefined };
  changedFields: string[];
  changes?: Record<string, unknown>;
  clientIp?: string;
}

export function auditEvent(input: AuditInput): AuditEvent {
  return {
    event_id: randomUUID(),
    type: 'audit',
    schema_version: AUDIT_SCHEMA_VERSION,
    ts: new Date().toISOString(),
    request_id: input.requestId ?? '',
    key_id: input.target.key_id,
    team_id: input.target.team_id ?? '',
    user_id: input.target.user_id ?? '',
    actor: input.actor,
    actor_kind: input.actorKind,
    action: input.action,
    target_key_alias: input.target.key_alias ?? '',
    changed_fields: [...input.changedFields],
    changes: JSON.stringify(input.changes ?? {}),
    client_ip: input.clientIp ?? '',
  };
}
