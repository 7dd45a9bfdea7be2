// /user/new|info|update|delete|list, LiteLLM-compatible (internal users who own keys). Registered inside the admin
// plugin (routes/admin.ts); the work is in governance/user-admin.ts.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { userAdmin } from '../../governance/user-admin.ts';
import type { Body as BodyValue, Query } from '../../governance/shapes.ts';
import { actorOf } from '../keys.ts';
import { Alias, Body, Email, Id, IdList, Nullable, settingsProps } from './schemas.ts';

const userProps = { ...settingsProps, user_alias: Alias, user_email: Email, user_role: Nullable(Type.String({ maxLength: 64 })) };
const TeamRef = Type.Union([Id, Type.Object({ team_id: Id }, { additionalProperties: true })]);
const NewUser = Body({
  ...userProps,
  user_id: Type.Optional(Id),
  teams: Nullable(Type.Array(TeamRef, { maxItems: 1000 })),
  team_id: Nullable(Id),
  auto_create_key: Nullable(Type.Boolean()),
  key_alias: Nullable(Type.String({ maxLength: 256 })),
  duration: Nullable(Type.String({ maxLength: 64 })),
});
const UpdateUser = Body({ ...userProps, user_id: Id });
const DeleteUsers = Body({ user_ids: IdList });

export function userRoutes(app: FastifyInstance, users: ReturnType<typeof userAdmin>): void {
  const body = (request: { body: unknown }) => request.body as BodyValue;
  app.post('/user/new', { schema: { body: NewUser } }, (request) => users.create(actorOf(request), body(request)));
  app.get('/user/info', (request) => users.info(request.query as Query));
  app.post('/user/update', { schema: { body: UpdateUser } }, (request) => users.update(actorOf(request), body(request)));
  app.post('/user/delete', { schema: { body: DeleteUsers } }, (request) => users.delete(actorOf(request), body(request)));
  app.get('/user/list', (request) => users.list(request.query as Query));
}
