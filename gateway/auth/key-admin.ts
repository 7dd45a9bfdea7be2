// Virtual-key management behind the admin API (/key/*): each operation runs on the key store, tells the auth stage
// what changed, publishes an audit event and answers in the API's shape. Store failures become GatewayErrors.
import { GatewayError } from '../errors.ts';
import type { Auth } from './authenticate.ts';
import { listFilterFrom, publicKeyInfo, settingsFrom, type ListQuery, type SettingsBody } from './key-admin-shapes.ts';
import { publishKeyAudit, type KeyActor, type PublishFn } from './key-audit.ts';
import { KeyStoreError } from '../../core/keys/key-store-error.ts';
import type { KeyStore } from '../../core/keys/key-store.ts';
import type { SpendLookup } from '../../core/governance/entities.ts';

export interface KeyAdminDeps {
  store: KeyStore;
  auth: Auth;
  /** EventBus.publish bound to the bus: `(topic, key, value) => events.publish(topic, key, value)`. */
  publish: PublishFn;
  /** /key/info's `spend` (USD to date, from the ledger); null there when the ledger cannot be read. */
  spend?: SpendLookup | undefined;
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

/** Runs a store operation; its KeyStoreError comes out as the matching GatewayError. */
async function onStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw storeError(err);
  }
}

export function createKeyAdmin(deps: KeyAdminDeps) {
  const { store, auth } = deps;
  const audit = publishKeyAudit.bind(null, deps.publish);

  return {
    /** /key/generate: a new key (or the given `key`), shown once. */
    generate: (actor: KeyActor, body: SettingsBody & { key?: string }) =>
      onStore(async () => {
        const settings = settingsFrom(body);
        const { key, record } = await store.generate({ ...settings, ...(body.key ? { key: body.key } : {}) }, actor.principal?.keyId ?? '');
        auth.noteKeyCreated();
        audit(actor, 'key.create', record, Object.keys(settings));
        return { key, ...publicKeyInfo(record) };
      }),

    /** /key/info: by the key, its hash or its key id. */
    info: (ref: string | undefined) =>
      onStore(async () => {
        if (!ref) throw new GatewayError('invalid_request', 'Missing query parameter: key (the key, its hash or its key id).', { param: 'key' });
        const record = await store.info(ref);
        if (!record) throw new GatewayError('not_found', 'Key not found.');
        const spend = deps.spend ? { spend: await deps.spend.spend({ kind: 'key', id: record.key_id }).catch(() => null) } : {};
        return { key: record.key_hash, info: { ...publicKeyInfo(record), ...spend } };
      }),

    /** /key/update: the changed fields are audited and listed in the answer. */
    update: (actor: KeyActor, body: SettingsBody & { key: string }) =>
      onStore(async () => {
        const { record, changed } = await store.update(body.key, settingsFrom(body));
        if (changed.length > 0) audit(actor, 'key.update', record, changed);
        return { ...publicKeyInfo(record), changed_fields: changed };
      }),

    /** /key/block and /key/unblock. */
    setBlocked: (actor: KeyActor, ref: string, blocked: boolean) =>
      onStore(async () => {
        const { record, changed } = await store.update(ref, { blocked });
        if (changed.length > 0) audit(actor, 'key.update', record, changed);
        return publicKeyInfo(record);
      }),

    /** /key/delete: by keys (secrets, hashes or key ids) and/or aliases; 404 when none exists. */
    delete: (actor: KeyActor, body: { keys?: string[]; key_aliases?: string[] }) =>
      onStore(async () => {
        if (!body.keys?.length && !body.key_aliases?.length) throw new GatewayError('invalid_request', 'Give keys (keys, hashes or key ids) or key_aliases to delete.', { param: 'keys' });
        const deleted = [...(body.keys?.length ? await store.delete(body.keys) : []), ...(body.key_aliases?.length ? await store.deleteByAlias(body.key_aliases) : [])];
        if (deleted.length === 0) throw new GatewayError('not_found', 'None of the given keys exist.');
        for (const record of deleted) audit(actor, 'key.delete', record, []);
        return { deleted_keys: deleted.map((r) => r.key_hash), deleted: deleted.map((r) => ({ key_id: r.key_id, key_alias: r.key_alias ?? null })) };
      }),

    /** /key/regenerate: a new secret (or the given `new_key`) for the same key id; the old one stops working. */
    regenerate: (actor: KeyActor, ref: string | undefined, newKey: string | undefined) =>
      onStore(async () => {
        if (!ref) throw new GatewayError('invalid_request', 'Missing key to regenerate.', { param: 'key' });
        const { key, record } = await store.rotate(ref, newKey ? { key: newKey } : {});
        audit(actor, 'key.rotate', record, ['key']);
        return { key, ...publicKeyInfo(record) };
      }),

    /** /key/list: hashes, or whole keys with `return_full_object=true`. */
    list: (query: ListQuery) =>
      onStore(async () => {
        const result = await store.list(listFilterFrom(query));
        const full = query.return_full_object === 'true';
        return {
          keys: full ? result.keys.map(publicKeyInfo) : result.keys.map((r) => r.key_hash),
          total_count: result.total,
          current_page: result.page,
          total_pages: Math.max(1, Math.ceil(result.total / result.size)),
        };
      }),
  };
}
