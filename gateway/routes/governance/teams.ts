// /team/new|info|update|delete|list|block|unblock|member_add|member_delete and /v2/team/list, LiteLLM-compatible.
// Registered inside the admin plugin (routes/admin.ts); the work is in governance/team-admin.ts.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { teamAdmin } from '../../governance/team-admin.ts';
import type { Body as BodyValue, Query } from '../../governance/shapes.ts';
import { actorOf } from '../keys.ts';
import { Alias, Body, Id, IdList, Member, settingsProps } from './schemas.ts';

const NewTeam = Body({ ...settingsProps, team_id: Type.Optional(Id), team_alias: Alias, members_with_roles: Type.Optional(Type.Array(Member, { maxItems: 1000 })) });
const UpdateTeam = Body({ ...settingsProps, team_id: Id, team_alias: Alias });
const TeamRef = Body({ team_id: Id });
const DeleteTeams = Body({ team_ids: IdList });
const MemberAdd = Body({ team_id: Id, member: Type.Union([Member, Type.Array(Member, { minItems: 1, maxItems: 1000 })]) });
const MemberDelete = Body({ team_id: Id, user_id: Type.Optional(Id), user_email: Type.Optional(Type.String({ maxLength: 320 })) });

export function teamRoutes(app: FastifyInstance, teams: ReturnType<typeof teamAdmin>): void {
  const body = (request: { body: unknown }) => request.body as BodyValue;
  app.post('/team/new', { schema: { body: NewTeam } }, (request) => teams.create(actorOf(request), body(request)));
  app.get('/team/info', (request) => teams.info(request.query as Query));
  app.post('/team/update', { schema: { body: UpdateTeam } }, (request) => teams.update(actorOf(request), body(request)));
  app.post('/team/block', { schema: { body: TeamRef } }, (request) => teams.setBlocked(actorOf(request), body(request), true));
  app.post('/team/unblock', { schema: { body: TeamRef } }, (request) => teams.setBlocked(actorOf(request), body(request), false));
  app.post('/team/delete', { schema: { body: DeleteTeams } }, (request) => teams.delete(actorOf(request), body(request)));
  app.get('/team/list', (request) => teams.list(request.query as Query));
  app.get('/v2/team/list', (request) => teams.listPaged(request.query as Query));
  app.post('/team/member_add', { schema: { body: MemberAdd } }, (request) => teams.memberAdd(actorOf(request), body(request)));
  app.post('/team/member_delete', { schema: { body: MemberDelete } }, (request) => teams.memberDelete(actorOf(request), body(request)));
}
