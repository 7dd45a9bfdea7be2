// The virtual-key admin API, LiteLLM-compatible: /key/generate, /key/info, /key/update, /key/delete,
// /key/regenerate (rotate), /key/list, /key/block, /key/unblock. Registered inside the admin plugin
// (routes/admin.ts), whose check admits admins only and sets `request.principal`. The work is in auth/key-admin.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { createKeyAdmin, type KeyAdminDeps } from '../auth/key-admin.ts';
import type { ListQuery, SettingsBody } from '../auth/key-admin-shapes.ts';
import type { KeyActor } from '../auth/key-audit.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));
const Id = Type.String({ maxLength: 256, pattern: '^[^|]*$' });

const settingsProps = {
  key_alias: Nullable(Id),
  user_id: Nullable(Id),
  team_id: Nullable(Id),
  models: Nullable(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 })),
  rpm_limit: Nullable(Type.Integer({ minimum: 1 })),
  tpm_limit: Nullable(Type.Integer({ minimum: 1 })),
  max_budget: Nullable(Type.Number({ minimum: 0 })),
  budget_duration: Nullable(Type.String({ minLength: 1 })),
  /** Duration from now (`30d`) or ISO-8601 date. LiteLLM's name for it on generate/update is `duration`. */
  expires: Nullable(Type.String({ minLength: 1 })),
  duration: Nullable(Type.String({ minLength: 1 })),
  metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
  blocked: Nullable(Type.Boolean()),
};

// Unknown LiteLLM fields (tags, permissions, spend …) are accepted and ignored.
const GenerateBody = Type.Object({ ...settingsProps, key: Type.Optional(Type.String({ minLength: 20, maxLength: 512, pattern: '^sk-\\S+$' })) }, { additionalProperties: true });
const UpdateBody = Type.Object({ ...settingsProps, key: Type.String({ minLength: 1 }) }, { additionalProperties: true });
const KeyRefBody = Type.Object({ key: Type.String({ minLength: 1 }) }, { additionalProperties: true });
const RegenerateBody = Type.Object(
  { key: Type.Optional(Type.String({ minLength: 1 })), new_key: Type.Optional(Type.String({ minLength: 20, maxLength: 512, pattern: '^sk-\\S+$' })) },
  { additionalProperties: true },
);
const DeleteBody = Type.Object(
  { keys: Type.Optional(Type.Array(Type.String({ minLength: 1 }))), key_aliases: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) },
  { additionalProperties: true },
);

export const actorOf = (request: FastifyRequest): KeyActor => ({ requestId: String(request.id), clientIp: request.ip, principal: request.principal });
const newKeyOf = (request: FastifyRequest) => (request.body as { new_key?: string } | undefined)?.new_key;

export function keysRoutes(app: FastifyInstance, deps: KeyAdminDeps): void {
  const keys = createKeyAdmin(deps);

  app.post('/key/generate', { schema: { body: GenerateBody } }, (request) => keys.generate(actorOf(request), request.body as SettingsBody & { key?: string }));
  app.get('/key/info', (request) => keys.info((request.query as ListQuery).key));
  app.post('/key/update', { schema: { body: UpdateBody } }, (request) => keys.update(actorOf(request), request.body as SettingsBody & { key: string }));
  app.post('/key/block', { schema: { body: KeyRefBody } }, (request) => keys.setBlocked(actorOf(request), (request.body as { key: string }).key, true));
  app.post('/key/unblock', { schema: { body: KeyRefBody } }, (request) => keys.setBlocked(actorOf(request), (request.body as { key: string }).key, false));
  app.post('/key/delete', { schema: { body: DeleteBody } }, (request) => keys.delete(actorOf(request), request.body as { keys?: string[]; key_aliases?: string[] }));
  app.post('/key/regenerate', { schema: { body: RegenerateBody } }, (request) => keys.regenerate(actorOf(request), (request.body as { key?: string }).key, newKeyOf(request)));
  app.post('/key/:key/regenerate', (request) => keys.regenerate(actorOf(request), (request.params as { key: string }).key, newKeyOf(request)));
  app.get('/key/list', (request) => keys.list(request.query as ListQuery));
}
