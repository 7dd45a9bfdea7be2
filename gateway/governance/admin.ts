// The governance admin API's operations on any kind of entity — create, read with spend, update, block, delete,
// list, team membership — each on the store, audited, with store failures turned into GatewayErrors named by
// LiteLLM's field names. The per-kind modules (team-admin.ts, …) shape the answers.
import type { EntityKind, EntityRecord, SpendLookup, TeamMember } from '../../core/governance/entities.ts';
import { GovernanceError } from '../../core/governance/errors.ts';
import type { EntityChanges } from '../../core/governance/settings.ts';
import type { GovernanceStore } from '../../core/governance/store.ts';
import { logger } from '../../lib/logger.ts';
import type { createKeyAdmin } from '../auth/key-admin.ts';
import { publicKeyInfo } from '../auth/key-admin-shapes.ts';
import type { KeyActor, PublishFn } from '../auth/key-audit.ts';
import type { KeyStore, ListFilter } from '../../core/keys/key-store.ts';
import { KeyStoreError } from '../../core/keys/key-store-error.ts';
import { GatewayError } from '../errors.ts';
import { publishEntityAudit } from './audit.ts';
import { wireName } from './shapes.ts';

export interface GovernanceAdminDeps {
  store: GovernanceStore;
  /** Spend to date from the ledger; without it spend is reported as 0. */
  spend?: SpendLookup | undefined;
  /** Keys of a team or user: listed by /team/info and /user/info, deleted with their owner (as LiteLLM does). */
  keyStore?: KeyStore | undefined;
  keys?: ReturnType<typeof createKeyAdmin> | undefined;
  publish: PublishFn;
}

/** Keys shown by an info route (the first page; /key/list pages through all). */
const INFO_KEYS = 1000;
/** Rounds of 1000 keys deleted with their team or user (bounds one admin request). */
const KEY_DELETE_ROUNDS = 100;

function gatewayError(kind: EntityKind, err: unknown): unknown {
  // The keys of a team or user are read and deleted through the key store.
  if (err instanceof KeyStoreError) return err.code === 'unavailable' ? new GatewayError('service_unavailable', 'The key store (Redis) is unavailable; try again shortly.') : new GatewayError('invalid_request', err.message);
  if (!(err instanceof GovernanceError)) return err;
  switch (err.code) {
    case 'not_found':
      return new GatewayError('not_found', err.message);
    case 'conflict':
      return new GatewayError('invalid_request', err.message);
    case 'invalid': {
      const param = err.field ? err.field.replace(/^[a-z_]+/, (f) => wireName(kind, f)) : null;
      const message = err.field && param ? err.message.replace(err.field, param) : err.message;
      return new GatewayError('invalid_request', message, { param });
    }
    case 'unavailable':
      return new GatewayError('service_unavailable', 'The governance store (Redis) is unavailable; try again shortly.');
  }
}

export function createGovernanceAdmin(deps: GovernanceAdminDeps) {
  const { store } = deps;
  const audit = publishEntityAudit.bind(null, deps.publish);

  /** Runs a store operation; its GovernanceError comes out as the matching GatewayError. */
  async function onStore<T>(kind: EntityKind, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw gatewayError(kind, err);
    }
  }

  async function mustGet(kind: EntityKind, id: string): Promise<EntityRecord> {
    const record = await store.get(kind, id);
    if (!record) throw new GatewayError('not_found', `${kind === 'customer' ? 'End user' : kind[0]!.toUpperCase() + kind.slice(1)} ${id} not found.`);
    return record;
  }

  /** Deletes every key of a team or user (audited as key.delete); returns how many. */
  async function deleteKeysOf(actor: KeyActor, filter: Pick<ListFilter, 'team_id' | 'user_id'>): Promise<number> {
    const { keyStore, keys } = deps;
    if (!keyStore || !keys) return 0;
    let deleted = 0;
    for (let round = 0; round < KEY_DELETE_ROUNDS; round++) {
      const page = await keyStore.list({ ...filter, size: 1000 });
      if (page.keys.length === 0) break;
      const result = await keys.delete(actor, { keys: page.keys.map((k) => k.key_hash) }).catch((err: unknown) => {
        if (err instanceof GatewayError && err.code === 'not_found') return { deleted: [] };
        throw err;
      });
      if (result.deleted.length === 0) break;
      deleted += result.deleted.length;
    }
    return deleted;
  }

  return {
    get: (kind: EntityKind, id: string) => onStore(kind, () => mustGet(kind, id)),

    /** Spend to date in USD; null when the ledger cannot be read right now. */
    async spend(kind: EntityKind, id: string): Promise<number | null> {
      if (!deps.spend) return 0;
      try {
        return await deps.spend.spend({ kind, id });
      } catch (err) {
        logger.warn({ err: (err as Error).message, kind, id }, 'spend lookup failed');
        return null;
      }
    },

    /** The keys of a team or user, as /key/list shows them. */
    keysOf: (filter: Pick<ListFilter, 'team_id' | 'user_id'>) =>
      onStore(filter.team_id ? 'team' : 'user', async () => {
        if (!deps.keyStore) return [];
        const { keys } = await deps.keyStore.list({ ...filter, size: INFO_KEYS });
        return keys.map(publicKeyInfo);
      }),

    create: (actor: KeyActor, kind: EntityKind, id: string, changes: EntityChanges, relations: { members?: TeamMember[]; teams?: string[] } = {}) =>
      onStore(kind, async () => {
        const record = await store.create(kind, id, changes, relations);
        audit(actor, 'create', record, Object.keys(changes).filter((f) => changes[f as keyof EntityChanges] !== null));
        return record;
      }),

    /** Creates or updates (concurrent upserts of one id all succeed), audited as what it did. */
    upsert: (actor: KeyActor, kind: EntityKind, id: string, changes: EntityChanges) =>
      onStore(kind, async () => {
        const result = await store.upsert(kind, id, changes);
        if (result.created) audit(actor, 'create', result.record, Object.keys(changes));
        else if (result.changed.length > 0) audit(actor, 'update', result.record, result.changed);
        return result.record;
      }),

    update: (actor: KeyActor, kind: EntityKind, id: string, changes: EntityChanges) =>
      onStore(kind, async () => {
        const result = await store.update(kind, id, changes);
        if (result.changed.length > 0) audit(actor, 'update', result.record, result.changed);
        return result;
      }),

    /**
     * Deletes entities, all or none: 404 naming the missing ones. A team's or user's keys go with it, as LiteLLM's
     * /team/delete and /user/delete do.
     */
    delete: (actor: KeyActor, kind: EntityKind, ids: string[]) =>
      onStore(kind, async () => {
        const found = await store.getMany(ids.map((id) => ({ kind, id })));
        const missing = ids.filter((_, i) => !found[i]);
        if (missing.length > 0) throw new GatewayError('not_found', `Not found: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`, { param: wireName(kind, 'id') });
        let deletedKeys = 0;
        for (const id of new Set(ids)) {
          if (kind === 'team') deletedKeys += await deleteKeysOf(actor, { team_id: id });
          if (kind === 'user') deletedKeys += await deleteKeysOf(actor, { user_id: id });
        }
        const deleted = await store.delete(kind, ids);
        for (const record of deleted) audit(actor, 'delete', record, []);
        return { deleted, deletedKeys };
      }),

    list: (kind: EntityKind, page: { page: number; size: number }) => onStore(kind, () => store.list(kind, page)),

    /** Entities by id, in order, the absent ones left out. */
    many: (kind: EntityKind, ids: string[]) =>
      onStore(kind, async () => (await store.getMany(ids.map((id) => ({ kind, id })))).filter((r): r is EntityRecord => r !== undefined)),

    addMembers: (actor: KeyActor, teamId: string, members: TeamMember[]) =>
      onStore('team', async () => {
        const result = await store.addMembers(teamId, members);
        audit(actor, 'update', result.team, ['members']);
        return result;
      }),

    removeMember: (actor: KeyActor, teamId: string, userId: string) =>
      onStore('team', async () => {
        const team = await store.removeMember(teamId, userId);
        audit(actor, 'update', team, ['members']);
        return team;
      }),
  };
}

export type GovernanceAdmin = ReturnType<typeof createGovernanceAdmin>;
