// /user/* answered in LiteLLM's shapes: new (with a key for the user unless auto_create_key is false), info
// ({user_id, user_info, keys, teams} + spend), update ({user_id, data}), delete (the user's keys go with it, as in
// LiteLLM), list (paged: {users, total, page, page_size, total_pages}).
import { randomUUID } from 'node:crypto';
import type { EntityRecord } from '../../core/governance/entities.ts';
import type { createKeyAdmin } from '../auth/key-admin.ts';
import type { KeyActor } from '../auth/key-audit.ts';
import type { GovernanceAdmin } from './admin.ts';
import { changesFrom, pageFrom, queryParam, teamShape, userShape, wireName, type Body, type Query } from './shapes.ts';

/** LiteLLM's `teams`: team ids or {team_id, …} objects; `team_id` is its older single form. */
function teamsFrom(body: Body): string[] {
  const given = Array.isArray(body.teams) ? (body.teams as unknown[]) : [];
  const ids = given.map((t) => (typeof t === 'object' && t !== null ? (t as { team_id?: unknown }).team_id : t)).filter((t): t is string => typeof t === 'string');
  return typeof body.team_id === 'string' ? [...ids, body.team_id] : ids;
}

export function userAdmin(admin: GovernanceAdmin, keys: ReturnType<typeof createKeyAdmin> | undefined) {
  /** The key /user/new creates for the user (its secret shown once); the user is removed again if that fails. */
  async function keyFor(actor: KeyActor, user: EntityRecord, body: Body) {
    if (body.auto_create_key === false || !keys) return { key: null };
    try {
      const { key, key_id, key_alias, expires } = await keys.generate(actor, {
        user_id: user.id,
        ...(typeof body.key_alias === 'string' ? { key_alias: body.key_alias } : {}),
        ...(typeof body.duration === 'string' ? { duration: body.duration } : {}),
      });
      return { key, key_id, key_alias, expires };
    } catch (err) {
      await admin.delete(actor, 'user', [user.id]).catch(() => undefined);
      throw err;
    }
  }

  return {
    create: async (actor: KeyActor, body: Body) => {
      const id = typeof body.user_id === 'string' ? body.user_id : randomUUID();
      const user = await admin.create(actor, 'user', id, changesFrom('user', body), { teams: teamsFrom(body) });
      return { ...userShape(user), ...(await keyFor(actor, user, body)) };
    },

    info: async (query: Query) => {
      const id = queryParam(query, 'user_id');
      const user = await admin.get('user', id);
      const [spend, keyList, teams] = await Promise.all([admin.spend('user', id), admin.keysOf({ user_id: id }), admin.many('team', user.teams ?? [])]);
      return { user_id: id, user_info: { ...userShape(user), spend }, keys: keyList, teams: teams.map(teamShape) };
    },

    update: async (actor: KeyActor, body: Body) => {
      const { record, changed } = await admin.update(actor, 'user', body.user_id as string, changesFrom('user', body));
      return { user_id: record.id, data: userShape(record), changed_fields: changed.map((f) => wireName('user', f)) };
    },

    delete: async (actor: KeyActor, body: Body) => {
      const { deleted, deletedKeys } = await admin.delete(actor, 'user', body.user_ids as string[]);
      return { deleted_users: deleted.map((r) => r.id), deleted_keys: deletedKeys };
    },

    /** Newest first; `user_ids` (comma-separated) or `team` (its members) narrow the list. */
    list: async (query: Query) => {
      const { page, size } = pageFrom(query, 25, 1000);
      let records: EntityRecord[];
      let total: number;
      const byIds = typeof query.user_ids === 'string' ? query.user_ids.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const team = typeof query.team === 'string' && query.team ? query.team : undefined;
      if (byIds || team) {
        const ids = byIds ?? ((await admin.get('team', team!)).members ?? []).map((m) => m.user_id);
        const found = await admin.many('user', ids.slice(0, 10_000));
        const inTeam = team ? found.filter((u) => u.teams?.includes(team)) : found;
        total = inTeam.length;
        records = inTeam.slice((page - 1) * size, page * size);
      } else {
        const listed = await admin.list('user', { page, size });
        ({ records, total } = listed);
      }
      return { users: records.map(userShape), total, page, page_size: size, total_pages: Math.max(1, Math.ceil(total / size)) };
    },
  };
}
