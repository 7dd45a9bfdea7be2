// The audit event of one admin action, named by the target key's public id and alias: never a secret.
import type { AuditAction, AuditEvent } from '../../schemas/events/audit.ts';
import { newEvent } from './envelope.ts';

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
  // The envelope's tenant fields describe the target key, so the event is partitioned and queryable by it.
  const subject = { request_id: input.requestId ?? '', key_id: input.target.key_id, team_id: input.target.team_id ?? '', user_id: input.target.user_id ?? '' };
  return newEvent<AuditEvent>('audit', subject, {
    actor: input.actor,
    actor_kind: input.actorKind,
    action: input.action,
    target_key_alias: input.target.key_alias ?? '',
    changed_fields: [...input.changedFields],
    changes: JSON.stringify(input.changes ?? {}),
    client_ip: input.clientIp ?? '',
  });
}
