// /team/* answered in LiteLLM's shapes: new, info (team_info + keys + spend), update ({team_id, data}), block,
// delete (the team's keys go with it, as in LiteLLM), list (an array; /v2/team/list pages), member_add,
// member_delete.
import { randomUUID } from 'node:crypto';
import type { TeamMember } from '../../core/governance/entities.ts';
import type { KeyActor } from '../auth/key-audit.ts';
import { GatewayError } from '../errors.ts';
import type { GovernanceAdmin } from './admin.ts';
import { ARRAY_LIST_MAX, changesFrom, pageFrom, queryParam, teamShape, wireName, type Body, type Query } from './shapes.ts';

export function teamAdmin(admin: GovernanceAdmin) {
  const changed = (fields: string[]) => fields.map((f) => wireName('team', f));

  return {
    create: async (actor: KeyActor, body: Body) => {
      const id = typeof body.team_id === 'string' ? body.team_id : randomUUID();
      const members = (body.members_with_roles ?? []) as TeamMember[];
      return teamShape(await admin.create(actor, 'team', id, changesFrom('team', body), { members }));
    },

    info: async (query: Query) => {
      const id = queryParam(query, 'team_id');
      const team = await admin.get('team', id);
      const [spend, keys] = await Promise.all([admin.spend('team', id), admin.keysOf({ team_id: id })]);
      return { team_id: id, team_info: { ...teamShape(team), spend }, keys, team_memberships: [] };
    },

    update: async (actor: KeyActor, body: Body) => {
      const { record, changed: fields } = await admin.update(actor, 'team', body.team_id as string, changesFrom('team', body));
      return { team_id: record.id, data: teamShape(record), changed_fields: changed(fields) };
    },

    setBlocked: async (actor: KeyActor, body: Body, blocked: boolean) => teamShape((await admin.update(actor, 'team', body.team_id as string, { blocked })).record),

    delete: async (actor: KeyActor, body: Body) => {
      const { deleted, deletedKeys } = await admin.delete(actor, 'team', body.team_ids as string[]);
      return { deleted_teams: deleted.map((r) => r.id), deleted_keys: deletedKeys };
    },

    /** All teams (up to ARRAY_LIST_MAX, or a page with page/page_size), or the teams of `user_id`. */
    list: async (query: Query) => {
      if (typeof query.user_id === 'string' && query.user_id) {
        const user = await admin.get('user', query.user_id);
        return (await admin.many('team', user.teams ?? [])).map(teamShape);
      }
      return (await admin.list('team', pageFrom(query, ARRAY_LIST_MAX, ARRAY_LIST_MAX))).records.map(teamShape);
    },

    /** LiteLLM's paged /v2/team/list. */
    listPaged: async (query: Query) => {
      const page = await admin.list('team', pageFrom(query, 10, ARRAY_LIST_MAX));
      return { teams: page.records.map(teamShape), total: page.total, page: page.page, page_size: page.size, total_pages: Math.max(1, Math.ceil(page.total / page.size)) };
    },

    /** `member`: one {user_id, role} or a list; each user's `teams` gains the team. */
    memberAdd: async (actor: KeyActor, body: Body) => {
      const members = (Array.isArray(body.member) ? body.member : [body.member]) as TeamMember[];
      const { team, users } = await admin.addMembers(actor, body.team_id as string, members);
      return { ...teamShape(team), updated_users: users.map((u) => ({ user_id: u.id, teams: u.teams ?? [] })), updated_team_memberships: [] };
    },

    /** By user_id, or by the user_email the member was added with. */
    memberDelete: async (actor: KeyActor, body: Body) => {
      const teamId = body.team_id as string;
      let userId = typeof body.user_id === 'string' ? body.user_id : undefined;
      if (userId === undefined && typeof body.user_email === 'string') {
        userId = (await admin.get('team', teamId)).members?.find((m) => m.user_email === body.user_email)?.user_id;
        if (userId === undefined) throw new GatewayError('invalid_request', `No member of team ${teamId} has user_email ${body.user_email}.`, { param: 'user_email' });
      }
      if (userId === undefined) throw new GatewayError('invalid_request', 'Give user_id (or user_email) of the member to remove.', { param: 'user_id' });
      return teamShape(await admin.removeMember(actor, teamId, userId));
    },
  };
}
