// Audit events of team, user, customer and tag changes: who (the admin caller) did what to which entity, with the new
// values of the changed settings under LiteLLM's field names. The entity is named in `changes` by its id field
// (team_id, user_id, a customer's user_id, a tag's name); a team's or user's id is also the event's team_id/user_id.
import { auditEvent } from '../../core/events/audit-event.ts';
import type { EntityRecord } from '../../core/governance/entities.ts';
import type { KeyActor, PublishFn } from '../auth/key-audit.ts';
import { wireName } from './shapes.ts';

export function publishEntityAudit(publish: PublishFn, actor: KeyActor, what: 'create' | 'update' | 'delete', record: EntityRecord, changedFields: string[]): void {
  const { kind, id } = record;
  const values = record as unknown as Record<string, unknown>;
  const changes = Object.fromEntries([[wireName(kind, 'id'), id], ...changedFields.map((f) => [wireName(kind, f), values[f] ?? null])]);
  publish(
    'audit',
    `${kind}:${id}`,
    auditEvent({
      action: `${kind}.${what}`,
      requestId: actor.requestId,
      actor: actor.principal?.keyId ?? '',
      actorKind: actor.principal?.kind ?? '',
      target: { key_id: '', ...(kind === 'team' ? { team_id: id } : {}), ...(kind === 'user' ? { user_id: id } : {}) },
      changedFields: changedFields.map((f) => wireName(kind, f)),
      changes,
      clientIp: actor.clientIp,
    }),
  );
}
