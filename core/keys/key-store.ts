// Virtual keys in Redis (redis-om over RedisJSON, RediSearch index for listing). A key is stored ONLY as the SHA-256
// hash of its secret: the document id is the hash (`<prefix>key:<sha256>`), so the hot-path lookup is one JSON.GET.
// The public `key_id` stays the same across rotations; events, limits and audit records use it.
// On a Redis Cluster the documents, the index and its schema hash share one hash tag (`{<prefix>key}:<sha256>`):
// RediSearch indexes only the keys of its own node, and the rotate script writes two documents at once.
import { Repository, type RedisConnection } from 'redis-om';
import { nodeRedisCluster, nodeRedisForKey } from '../../lib/redis.ts';
import { keySchema, toEntity, toRecord } from './key-entity.ts';
import { KeyInvalidation } from './key-invalidation.ts';
import { applySettings, SETTABLE_FIELDS, type KeyRecord, type KeySettings } from './key-record.ts';
import { ROTATE_SCRIPT } from './key-rotate-script.ts';
import { closeConnection, openConnection } from './key-store-connection.ts';
import { KeyStoreError, unavailable, withTimeout } from './key-store-error.ts';
import { generateKeyId, generateSecret, hashKey, isKeyHash, keyDisplayName } from './secrets.ts';

/**
 * A RediSearch query for a tag field equal to `value`. Every ASCII character but letters, digits and `_` is escaped:
 * redis-om's own escaping leaves `*` (a prefix wildcard: team `a*` would match team `abc`) and others unescaped.
 */
const tagEquals = (field: string, value: string): string => `@${field}:{${value.replace(/[^\w\u0080-\uffff]/g, '\\$&')}}`;

export interface ListFilter {
  team_id?: string;
  user_id?: string;
  key_alias?: string;
  /** 1-based. */
  page?: number;
  size?: number;
}

/** A key as `importRecord` takes it: the hash, its display name and the settable fields (absent = none). */
export type KeyImport = Pick<KeyRecord, 'key_hash' | 'key_name'> & { [F in (typeof SETTABLE_FIELDS)[number]]?: KeyRecord[F] } & { created_at?: string };

export interface KeyStoreOptions {
  /** Redis key prefix, e.g. `helix:` → documents `helix:key:<hash>`, index `helix:key:index` (cluster: `{helix:key}:…`). */
  prefix?: string;
  /** Admin operations give up after this long (the hot path has its own, shorter timeout in the auth stage). */
  opTimeoutMs?: number;
}

export class KeyStore {
  readonly prefix: string;
  readonly schemaName: string;
  private readonly repo: Repository;
  private readonly invalidation: KeyInvalidation;
  private readonly opTimeoutMs: number;
  private indexReady: Promise<void> | undefined;
  private ownsClient = false;
  /** Settles on the first connection attempt's outcome (ready or error): operations right after start-up wait for it. */
  private firstAttempt: Promise<void> = Promise.resolve();

  constructor(
    readonly client: RedisConnection,
    opts: KeyStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'helix:';
    this.schemaName = nodeRedisCluster(client) ? `{${this.prefix}key}` : `${this.prefix}key`;
    this.invalidation = new KeyInvalidation(client, `${this.prefix}key:invalidate`);
    this.opTimeoutMs = opts.opTimeoutMs ?? 5_000;
    this.repo = new Repository(keySchema(this.schemaName), client);
  }

  /** A store with its own connection. Never waits for Redis (see key-store-connection.ts). */
  static open(url: string, opts: KeyStoreOptions = {}): KeyStore {
    const { client, firstAttempt } = openConnection(url);
    const store = new KeyStore(client, opts);
    store.ownsClient = true;
    store.firstAttempt = firstAttempt;
    return store;
  }

  get invalidationChannel(): string {
    return this.invalidation.channel;
  }

  private keyName(hash: string) {
    return `${this.schemaName}:${hash}`;
  }

  /** Creates (or migrates) the RediSearch index once; retried on the next call after a failure. */
  ensureIndex(): Promise<void> {
    this.indexReady ??= withTimeout(
      this.firstAttempt.then(() => this.indexRepository()).then((repo) => repo.createIndex()).catch(async (err: unknown) => {
        // Two gateways starting together can race on creating the index: the loser sees it already exists.
        if (/Index already exists/i.test((err as Error).message)) return;
        throw err;
      }),
      this.opTimeoutMs,
      'create index',
    ).catch((err: unknown) => {
      this.indexReady = undefined;
      throw unavailable(err);
    });
    return this.indexReady;
  }

  /** The repository FT.CREATE goes through: node-redis sends it to any node of a cluster, so there the index's own. */
  private async indexRepository(): Promise<Repository> {
    if (!nodeRedisCluster(this.client)) return this.repo;
    const schema = keySchema(this.schemaName);
    return new Repository(schema, await nodeRedisForKey(this.client, schema.indexName));
  }

  private async op<T>(what: string, fn: () => Promise<T>, needsIndex = true): Promise<T> {
    try {
      await withTimeout(this.firstAttempt, this.opTimeoutMs, 'connect');
      if (needsIndex) await this.ensureIndex();
      return await withTimeout(fn(), this.opTimeoutMs, what);
    } catch (err) {
      if (err instanceof KeyStoreError && err.code !== 'unavailable') throw err;
      throw unavailable(err);
    }
  }

  // ---- hot path --------------------------------------------------------------------------------------------

  /** The key with this hash, or undefined. Throws KeyStoreError('unavailable') when Redis cannot answer. */
  async lookup(hash: string, timeoutMs = this.opTimeoutMs): Promise<KeyRecord | undefined> {
    try {
      const entity = await withTimeout(this.firstAttempt.then(() => this.repo.fetch(hash)), timeoutMs, 'lookup');
      return toRecord(entity);
    } catch (err) {
      throw unavailable(err);
    }
  }

  // ---- admin operations ------------------------------------------------------------------------------------

  /** Creates a key; returns the secret (the only time it exists outside the caller) and the stored record. */
  async generate(settings: KeySettings & { key?: string }, actor = ''): Promise<{ key: string; record: KeyRecord }> {
    return this.op('generate', async () => {
      const key = settings.key ?? generateSecret();
      const hash = hashKey(key);
      const now = new Date();
      const record: KeyRecord = {
        key_id: generateKeyId(),
        key_hash: hash,
        key_name: keyDisplayName(key),
        models: [],
        metadata: {},
        blocked: false,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        created_ms: now.getTime(),
        rotation_count: 0,
        ...(actor ? { created_by: actor } : {}),
      };
      applySettings(record, settings, now.getTime());
      if (record.key_alias) await this.assertAliasFree(record.key_alias, undefined);
      if (toRecord(await this.repo.fetch(hash))) throw new KeyStoreError('conflict', 'A key with this value already exists.');
      await this.repo.save(hash, toEntity(record));
      return { key, record };
    });
  }

  /**
   * Creates or updates a key known only by its hash (`helix import litellm`: LiteLLM stores the same SHA-256, so the
   * client's secret keeps working). The same hash keeps its key_id; settings are replaced by the given ones (absent =
   * cleared). Nothing is written when nothing differs, nor with `dryRun` (which still tells the outcome).
   */
  async importRecord(input: KeyImport, opts: { dryRun?: boolean } = {}): Promise<{ record: KeyRecord; outcome: 'created' | 'updated' | 'unchanged' }> {
    return this.op('import', async () => {
      if (!isKeyHash(input.key_hash)) throw new KeyStoreError('invalid', 'key_hash must be 64 lowercase hex characters.');
      const before = toRecord(await this.repo.fetch(input.key_hash));
      const now = new Date();
      const created = before ?? {
        key_id: generateKeyId(),
        key_hash: input.key_hash,
        key_name: input.key_name,
        models: [],
        metadata: {},
        blocked: false,
        created_at: input.created_at ?? now.toISOString(),
        updated_at: now.toISOString(),
        created_ms: Date.parse(input.created_at ?? now.toISOString()) || now.getTime(),
        created_by: 'helix import litellm',
        rotation_count: 0,
      };
      const after: KeyRecord = { ...structuredClone(created), key_name: input.key_name };
      const settings: KeySettings = {};
      for (const f of SETTABLE_FIELDS) (settings as Record<string, unknown>)[f] = input[f] ?? null;
      applySettings(after, settings, now.getTime());
      const changed = [...SETTABLE_FIELDS, 'key_name' as const].filter((f) => JSON.stringify(created[f]) !== JSON.stringify(after[f]));
      if (before && changed.length === 0) return { record: before, outcome: 'unchanged' };
      if (after.key_alias && after.key_alias !== before?.key_alias) await this.assertAliasFree(after.key_alias, after.key_id);
      if (before) after.updated_at = now.toISOString();
      if (opts.dryRun) return { record: after, outcome: before ? 'updated' : 'created' };
      await this.repo.save(input.key_hash, toEntity(after));
      // Also when new: clients may have tried the secret already, and gateways remember unknown keys briefly.
      await this.invalidation.publish(input.key_hash);
      return { record: after, outcome: before ? 'updated' : 'created' };
    });
  }

  /** By secret (`sk-…`), hash (64 hex) or key id (`key_…`). */
  async info(ref: string): Promise<KeyRecord | undefined> {
    return this.op('info', async () => this.find(ref));
  }

  async update(ref: string, changes: KeySettings): Promise<{ record: KeyRecord; changed: string[] }> {
    return this.op('update', async () => {
      const before = await this.mustFind(ref);
      const after: KeyRecord = structuredClone(before);
      applySettings(after, changes, Date.now());
      const changed = SETTABLE_FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
      if (after.key_alias && after.key_alias !== before.key_alias) await this.assertAliasFree(after.key_alias, before.key_id);
      if (changed.length === 0) return { record: before, changed };
      after.updated_at = new Date().toISOString();
      await this.repo.save(before.key_hash, toEntity(after));
      await this.invalidation.publish(before.key_hash);
      return { record: after, changed };
    });
  }

  /** New secret for the same key id and settings; the old secret stops working at once. */
  async rotate(ref: string, opts: { key?: string } = {}): Promise<{ key: string; record: KeyRecord; previousHash: string }> {
    return this.op('rotate', async () => {
      const before = await this.mustFind(ref);
      const key = opts.key ?? generateSecret();
      const hash = hashKey(key);
      const now = new Date().toISOString();
      const record: KeyRecord = { ...before, key_hash: hash, key_name: keyDisplayName(key), updated_at: now, rotated_at: now, rotation_count: before.rotation_count + 1 };
      const result = await this.client.eval(ROTATE_SCRIPT, {
        keys: [this.keyName(before.key_hash), this.keyName(hash)],
        arguments: [JSON.stringify(toEntity(record)), JSON.stringify([before.updated_at])],
      });
      if (result === 0) throw new KeyStoreError('not_found', `Key ${before.key_id} was deleted meanwhile.`);
      if (result === -1) throw new KeyStoreError('conflict', `Key ${before.key_id} was changed meanwhile; try again.`);
      await this.invalidation.publish(before.key_hash);
      return { key, record, previousHash: before.key_hash };
    });
  }

  /** Deletes the given keys (secret, hash or id); returns the records that existed. */
  async delete(refs: string[]): Promise<KeyRecord[]> {
    return this.op('delete', async () => {
      const found: KeyRecord[] = [];
      for (const ref of refs) {
        const record = await this.find(ref);
        if (record && !found.some((f) => f.key_hash === record.key_hash)) found.push(record);
      }
      if (found.length > 0) {
        await this.repo.remove(found.map((r) => r.key_hash));
        for (const r of found) await this.invalidation.publish(r.key_hash);
      }
      return found;
    });
  }

  async deleteByAlias(aliases: string[]): Promise<KeyRecord[]> {
    return this.op('delete', async () => {
      const refs: string[] = [];
      for (const alias of aliases) {
        if (!alias) continue;
        const entities = await this.repo.searchRaw(tagEquals('key_alias', alias)).return.all();
        refs.push(...entities.map((e) => toRecord(e)?.key_hash).filter((h): h is string => h !== undefined));
      }
      return this.delete(refs);
    });
  }

  /** Newest first; `total` counts all matches. */
  async list(filter: ListFilter = {}): Promise<{ keys: KeyRecord[]; total: number; page: number; size: number }> {
    return this.op('list', async () => {
      const page = Math.max(1, Math.floor(filter.page ?? 1));
      const size = Math.min(1000, Math.max(1, Math.floor(filter.size ?? 100)));
      const terms = (['team_id', 'user_id', 'key_alias'] as const).filter((f) => filter[f]).map((f) => tagEquals(f, filter[f]!));
      const search = this.repo.searchRaw(terms.length > 0 ? terms.join(' ') : '*');
      const total = await search.return.count();
      const entities = await search.sortBy('created_ms', 'DESC').return.page((page - 1) * size, size);
      return { keys: entities.map(toRecord).filter((r): r is KeyRecord => r !== undefined), total, page, size };
    });
  }

  /** Number of virtual keys (0 on a fresh install). */
  async count(): Promise<number> {
    return this.op('count', () => this.repo.search().return.count());
  }

  /** Calls `onHash` whenever any process changes, rotates or deletes a key, so caches drop it at once. */
  subscribe(onHash: (hash: string) => void): Promise<void> {
    return this.invalidation.subscribe(onHash);
  }

  async close(): Promise<void> {
    await this.invalidation.close();
    if (this.ownsClient) await closeConnection(this.client);
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private async find(ref: string): Promise<KeyRecord | undefined> {
    if (!ref) return undefined;
    if (ref.startsWith('sk-')) return toRecord(await this.repo.fetch(hashKey(ref)));
    if (isKeyHash(ref)) return toRecord(await this.repo.fetch(ref));
    const entities = await this.repo.search().where('key_id').eq(ref).return.all();
    return entities.map(toRecord).find((r) => r !== undefined);
  }

  private async mustFind(ref: string): Promise<KeyRecord> {
    const record = await this.find(ref);
    if (!record) throw new KeyStoreError('not_found', 'Key not found.');
    return record;
  }

  private async assertAliasFree(alias: string, ownKeyId: string | undefined): Promise<void> {
    const holders = await this.repo.searchRaw(tagEquals('key_alias', alias)).return.all();
    if (holders.some((e) => e.key_id !== ownKeyId)) throw new KeyStoreError('conflict', `Key alias "${alias}" is already in use.`);
  }
}
