// /tag/new|info|update|delete|list, LiteLLM-compatible. Registered inside the admin plugin (routes/admin.ts); the
// work is in governance/tag-admin.ts.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { tagAdmin } from '../../governance/tag-admin.ts';
import { queryParam, type Body as BodyValue, type Query } from '../../governance/shapes.ts';
import { actorOf } from '../keys.ts';
import { Alias, Body, Description, Id, settingsProps } from './schemas.ts';

const TagBody = Body({ ...settingsProps, name: Id, description: Description, alias: Alias });
const TagNames = Body({ names: Type.Array(Id, { minItems: 1, maxItems: 100 }) });
const TagDelete = Body({ name: Type.Optional(Id), names: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 1000 })) });

export function tagRoutes(app: FastifyInstance, tags: ReturnType<typeof tagAdmin>): void {
  const body = (request: { body: unknown }) => request.body as BodyValue;
  app.post('/tag/new', { schema: { body: TagBody } }, (request) => tags.create(actorOf(request), body(request)));
  app.post('/tag/info', { schema: { body: TagNames } }, (request) => tags.info(body(request).names as string[]));
  app.get('/tag/info', (request) => tags.info([queryParam(request.query as Query, 'name')]));
  app.post('/tag/update', { schema: { body: TagBody } }, (request) => tags.update(actorOf(request), body(request)));
  app.post('/tag/delete', { schema: { body: TagDelete } }, (request) => tags.delete(actorOf(request), body(request)));
  app.get('/tag/list', (request) => tags.list(request.query as Query));
}
