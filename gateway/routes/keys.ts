// The virtual-key admin API, LiteLLM-compatible: /key/generate, /key/info, /key/update, /key/delete,
// /key/regenerate (rotate), /key/list, /key/block, /key/unblock. Registered inside the admin plugin
// (routes/admin.ts), whose check admits admins only and sets `request.principal`. Every change emits an audit event
// (never the secret).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { GatewayError } from '../errors.ts';
import type { Auth } from '../auth/authenticate.ts';
import { KeyStoreError, SETTABLE_FIELDS, type KeyRecord, type KeySettings, type KeyStore } from '../auth/key-store.ts';
import { auditEvent, type AuditAction } from '../../schemas/events/audit.ts';
import type { TopicId } from '../../schemas/topics.ts';

export type PublishFn = (topic: TopicId, key: string, value: unknown) => void;

export interface KeysRouteDeps {
  store: KeyStore;
  auth: Auth;
  /** EventBus.publish bound to the bus: `(topic, key, value) => events.publish(topic, key, value)`. */
  publish: PublishFn;
}

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

type SettingsBody = KeySettings & { duration?: string | null };

/** The key as the API shows it: LiteLLM's `token` is the hash; the secret is never part of it. */
export function publicKeyInfo(r: KeyRecord) {
  const { key_hash, created_ms: _ms, ...rest } = r;
  return { token: key_hash, ...rest, key_alias: r.key_alias ?? null, user_id: r.user_id ?? null, team_id: r.team_id ?? null, expires: r.expires ?? null };
}

function settingsFrom(body: SettingsBody): KeySettings {
  const out: KeySettings = {};
  for (const f of SETTABLE_FIELDS) if (f in body && body[f] !== undefined) (out as Record<string, unknown>)[f] = body[f];
  if (body.expires === undefined && body.duration !== undefined) out.expires = body.duration;
  return out;
}

function storeError(err: unknown): unknown {
  if (!(err instanceof KeyStoreError)) return err;
  switch (err.code) {
    case 'not_found':
      return new GatewayError('not_found', err.message);
    case 'conflict':
    case 'invalid':
      return new GatewayError('invalid_request', err.message);
    case 'unavailable':
      return new GatewayError('service_unavailable', 'The key store (Redis) is unavailable; try again shortly.');
  }
}

export function keysRoutes(app: FastifyInstance, deps: KeysRouteDeps): void {
  const audit = (request: FastifyRequest, action: AuditAction, record: KeyRecord, changedFields: string[]) => {
    const actor = request.principal;
    const changes = Object.fromEntries(changedFields.map((f) => [f, (record as unknown as Record<string, unknown>)[f] ?? null]));
    deps.publish(
      'audit',
      record.key_id,
      auditEvent({
        action,
        requestId: String(request.id),
        actor: actor?.keyId ?? '',
        actorKind: actor?.kind ?? '',
        target: record,
        changedFields,
        changes,
        clientIp: request.ip,
      }),
    );
  };

  type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  const route = (handler: Handler): Handler => async (request, reply) => {
    try {
      return await handler(request, reply);
    } catch (err) {
      throw storeError(err);
    }
  };

  app.post('/key/generate', { schema: { body: GenerateBody } }, route(async (request) => {
    const body = request.body as SettingsBody & { key?: string };
    const settings = settingsFrom(body);
    const { key, record } = await deps.store.generate({ ...settings, ...(body.key ? { key: body.key } : {}) }, request.principal?.keyId ?? '');
    deps.auth.noteKeyCreated();
    audit(request, 'key.create', record, Object.keys(settings));
    return { key, ...publicKeyInfo(record) };
  }));

  app.get('/key/info', route(async (request) => {
    const ref = (request.query as Record<string, string | undefined>).key;
    if (!ref) throw new GatewayError('invalid_request', 'Missing query parameter: key (the key, its hash or its key id).', { param: 'key' });
    const record = await deps.store.info(ref);
    if (!record) throw new GatewayError('not_found', 'Key not found.');
    return { key: record.key_hash, info: publicKeyInfo(record) };
  }));

  app.post('/key/update', { schema: { body: UpdateBody } }, route(async (request) => {
    const body = request.body as SettingsBody & { key: string };
    const { record, changed } = await deps.store.update(body.key, settingsFrom(body));
    if (changed.length > 0) audit(request, 'key.update', record, changed);
    return { ...publicKeyInfo(record), changed_fields: changed };
  }));

  for (const [path, blocked] of [['/key/block', true], ['/key/unblock', false]] as const) {
    app.post(path, { schema: { body: KeyRefBody } }, route(async (request) => {
      const { key } = request.body as { key: string };
      const { record, changed } = await deps.store.update(key, { blocked });
      if (changed.length > 0) audit(request, 'key.update', record, changed);
      return publicKeyInfo(record);
    }));
  }

  app.post('/key/delete', { schema: { body: DeleteBody } }, route(async (request) => {
    const body = request.body as { keys?: string[]; key_aliases?: string[] };
    if (!body.keys?.length && !body.key_aliases?.length) throw new GatewayError('invalid_request', 'Give keys (keys, hashes or key ids) or key_aliases to delete.', { param: 'keys' });
    const deleted = [...(body.keys?.length ? await deps.store.delete(body.keys) : []), ...(body.key_aliases?.length ? await deps.store.deleteByAlias(body.key_aliases) : [])];
    if (deleted.length === 0) throw new GatewayError('not_found', 'None of the given keys exist.');
    for (const record of deleted) audit(request, 'key.delete', record, []);
    return { deleted_keys: deleted.map((r) => r.key_hash), deleted: deleted.map((r) => ({ key_id: r.key_id, key_alias: r.key_alias ?? null })) };
  }));

  const regenerate = async (request: FastifyRequest, ref: string | undefined) => {
    if (!ref) throw new GatewayError('invalid_request', 'Missing key to regenerate.', { param: 'key' });
    const newKey = (request.body as { new_key?: string } | undefined)?.new_key;
    const { key, record } = await deps.store.rotate(ref, newKey ? { key: newKey } : {});
    audit(request, 'key.rotate', record, ['key']);
    return { key, ...publicKeyInfo(record) };
  };
  app.post('/key/regenerate', { schema: { body: RegenerateBody } }, route(async (request) => regenerate(request, (request.body as { key?: string }).key)));
  app.post('/key/:key/regenerate', route(async (request) => regenerate(request, (request.params as { key: string }).key)));

  app.get('/key/list', route(async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const int = (v: string | undefined, name: string) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new GatewayError('invalid_request', `${name} must be a positive integer.`, { param: name });
      return n;
    };
    const page = int(q.page, 'page');
    const size = int(q.size, 'size');
    const result = await deps.store.list({
      ...(q.team_id ? { team_id: q.team_id } : {}),
      ...(q.user_id ? { user_id: q.user_id } : {}),
      ...(q.key_alias ? { key_alias: q.key_alias } : {}),
      ...(page !== undefined ? { page } : {}),
      ...(size !== undefined ? { size } : {}),
    });
    const full = q.return_full_object === 'true';
    return {
      keys: full ? result.keys.map(publicKeyInfo) : result.keys.map((r) => r.key_hash),
      total_count: result.total,
      current_page: result.page,
      total_pages: Math.max(1, Math.ceil(result.total / result.size)),
    };
  }));
}
