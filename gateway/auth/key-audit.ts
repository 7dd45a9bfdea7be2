// Audit events of virtual-key changes: who (the admin caller) did what to which key, with the new values of the
// changed fields. Never the secret.
import { auditEvent } from '../../core/events/audit-event.ts';
import type { AuditAction } from '../../schemas/events/audit.ts';
import type { TopicId } from '../../schemas/topics.ts';
import type { KeyRecord } from '../../core/keys/key-record.ts';
import type { Principal } from './principal.ts';

export type PublishFn = (topic: TopicId, key: string, value: unknown) => void;

/** The admin request behind a change. */
export interface KeyActor {
  requestId: string;
  clientIp: string;
  principal: Principal | null;
}

export function publishKeyAudit(publish: PublishFn, actor: KeyActor, action: AuditAction, record: KeyRecord, changedFields: string[]): void {
  const changes = Object.fromEntries(changedFields.map((f) => [f, (record as unknown as Record<string, unknown>)[f] ?? null]));
  publish(
    'audit',
    record.key_id,
    auditEvent({
      action,
      requestId: actor.requestId,
      actor: actor.principal?.keyId ?? '',
      actorKind: actor.principal?.kind ?? '',
      target: record,
      changedFields,
      changes,
      clientIp: actor.clientIp,
    }),
  );
}
