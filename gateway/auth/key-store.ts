// Virtual keys in Redis (redis-om over RedisJSON, RediSearch index for listing). A key is stored ONLY as the SHA-256
// hash of its secret: the document id is the hash (`<prefix>key:<sha256>`), so the hot-path lookup is one JSON.GET.
// The public `key_id` stays the same across rotations; events, limits and audit records use it.
import { createClient } from 'redis';
import { Repository, Schema, EntityId, type Entity, type RedisConnection } from 'redis-om';
import { logger } from '../../lib/logger.ts';
import { generateKeyId, generateSecret, hashKey, isKeyHash, keyDisplayName, parseExpires } from './secrets.ts';

/** A virtual key as stored (never contains the secret). */
export interface KeyRecord {
  key_id: string;
  /** SHA-256 hex of the secret (LiteLLM calls it `token`). */
  key_hash: string;
  /** Display form: `sk-helix-...abcd`. */
  key_name: string;
  key_alias?: string;
  user_id?: string;
  team_id?: string;
  /** Allowed models; empty = all. Entries may end in `*` (prefix match). */
  models: string[];
  rpm_limit?: number;
  tpm_limit?: number;
  max_budget?: number;
  budget_duration?: string;
  /** ISO-8601; absent = never expires. */
  expires?: string;
  metadata: Record<string, unknown>;
  blocked: boolean;
  created_at: string;
  updated_at: string;
  created_ms: number;
  created_by?: string;
  rotated_at?: string;
  rotation_count: number;
}

/** Settable fields. `null` clears a field; `expires` takes a duration (`30d`) or an ISO date. */
export interface KeySettings {
  key_alias?: string | null;
  user_id?: string | null;
  team_id?: string | null;
  models?: string[] | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  max_budget?: number | null;
  budget_duration?: string | null;
  expires?: string | null;
  metadata?: Record<string, unknown> | null;
  blocked?: boolean | null;
}

export const SETTABLE_FIELDS = [
  'key_alias',
  'user_id',
  'team_id',
  'models',
  'rpm_limit',
  'tpm_limit',
  'max_budget',
  'budget_duration',
  'expires',
  'metadata',
  'blocked',
] as const satisfies ReadonlyArray<keyof KeySettings>;

export type KeyStoreErrorCode = 'not_found' | 'conflict' | 'invalid' | 'unavailable';

export class KeyStoreError extends Error {
  override name = 'KeyStoreError';
  constructor(
    readonly code: KeyStoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ListFilter {
  team_id?: string;
  user_id?: string;
  key_alias?: string;
  /** 1-based. */
  page?: number;
  size?: number;
}

export interface KeyStoreOptions {
  /** Redis key prefix, e.g. `helix:` → documents `helix:key:<hash>`, index `helix:key:index`. */
  prefix?: string;
  /** Admin operations give up after this long (the hot path has its own, shorter timeout in the auth stage). */
  opTimeoutMs?: number;
}

const isExpired = (r: Pick<KeyRecord, 'expires'>, now = Date.now()) => r.expires !== undefined && Date.parse(r.expires) <= now;
export { isExpired };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeyStoreError('unavailable', `key store: ${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const unavailable = (err: unknown) =>
  err instanceof KeyStoreError ? err : new KeyStoreError('unavailable', `key store unavailable: ${(err as Error)?.message ?? String(err)}`);

// Rotation in one step: the new document appears and the old one disappears atomically, and only if the old one
// was not changed since it was read (a concurrent rotate/update/delete makes this return 0).
const ROTATE_SCRIPT = `
local cur = redis.call('JSON.GET', KEYS[1], '$.updated_at')
if not cur then return 0 end
if cur ~= ARGV[2] then return -1 end
redis.call('JSON.SET', KEYS[2], '$', ARGV[1])
redis.call('UNLINK', KEYS[1])
return 1
`;

export class KeyStore {
  readonly prefix: string;
  readonly schemaName: string;
  readonly invalidationChannel: string;
  private readonly repo: Repository;
  private readonly opTimeoutMs: number;
  private indexReady: Promise<void> | undefined;
  private subscriber: RedisConnection | undefined;
  private ownsClient = false;
  /** Settles on the first connection attempt's outcome (ready or error): operations right after start-up wait for it. */
  private firstAttempt: Promise<void> = Promise.resolve();

  constructor(
    readonly client: RedisConnection,
    opts: KeyStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'helix:';
    this.schemaName = `${this.prefix}key`;
    this.invalidationChannel = `${this.prefix}key:invalidate`;
    this.opTimeoutMs = opts.opTimeoutMs ?? 5_000;
    // String fields are RediSearch TAGs (exact match, case-sensitive); values may not contain the separator `|`.
    const schema = new Schema(
      this.schemaName,
      {
        key_id: { type: 'string', caseSensitive: true },
        key_alias: { type: 'string', caseSensitive: true },
        user_id: { type: 'string', caseSensitive: true },
        team_id: { type: 'string', caseSensitive: true },
        blocked: { type: 'boolean' },
        created_ms: { type: 'number', sortable: true },
        models: { type: 'string[]', indexed: false },
      },
      { dataStructure: 'JSON' },
    );
    this.repo = new Repository(schema, client);
  }

  /**
   * A store with its own node-redis connection (redis-om needs node-redis, the rest of Helix uses ioredis).
   * Never waits for Redis: commands fail fast while it is unreachable and the client reconnects in the background.
   */
  static open(url: string, opts: KeyStoreOptions = {}): KeyStore {
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(50 + retries * 100, 2_000) },
    });
    let lastLog = 0;
    client.on('error', (err: Error) => {
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        logger.warn({ err: err.message }, 'key store: redis connection error (retrying)');
      }
    });
    const store = new KeyStore(client as unknown as RedisConnection, opts);
    store.ownsClient = true;
    store.firstAttempt = new Promise<void>((resolve) => {
      client.once('ready', () => resolve());
      client.once('error', () => resolve());
    });
    client.connect().catch(() => undefined);
    return store;
  }

  private keyName(hash: string) {
    return `${this.schemaName}:${hash}`;
  }

  /** Creates (or migrates) the RediSearch index once; retried on the next call after a failure. */
  ensureIndex(): Promise<void> {
    this.indexReady ??= withTimeout(
      this.firstAttempt.then(() => this.repo.createIndex()).catch(async (err: unknown) => {
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
      await this.invalidate(before.key_hash);
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
      await this.invalidate(before.key_hash);
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
        for (const r of found) await this.invalidate(r.key_hash);
      }
      return found;
    });
  }

  async deleteByAlias(aliases: string[]): Promise<KeyRecord[]> {
    return this.op('delete', async () => {
      const refs: string[] = [];
      for (const alias of aliases) {
        if (!alias) continue;
        const entities = await this.repo.search().where('key_alias').eq(alias).return.all();
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
      let search = this.repo.search();
      for (const field of ['team_id', 'user_id', 'key_alias'] as const) {
        const value = filter[field];
        if (value) search = search.and(field).eq(value);
      }
      const total = await search.return.count();
      const entities = await search.sortBy('created_ms', 'DESC').return.page((page - 1) * size, size);
      return { keys: entities.map(toRecord).filter((r): r is KeyRecord => r !== undefined), total, page, size };
    });
  }

  /** Number of virtual keys (0 on a fresh install). */
  async count(): Promise<number> {
    return this.op('count', () => this.repo.search().return.count());
  }

  // ---- cross-process cache invalidation --------------------------------------------------------------------

  private async invalidate(hash: string): Promise<void> {
    await this.client.publish(this.invalidationChannel, hash).catch(() => undefined);
  }

  /** Calls `onHash` whenever any process changes, rotates or deletes a key, so caches drop it at once. */
  async subscribe(onHash: (hash: string) => void): Promise<void> {
    if (this.subscriber) return;
    const sub = (this.client as unknown as { duplicate(): RedisConnection }).duplicate();
    sub.on('error', () => undefined);
    this.subscriber = sub;
    // Subscribes on the first 'ready' (also when Redis is only reachable later); node-redis re-subscribes by itself
    // after reconnects. Messages missed while disconnected are covered by the cache TTL.
    let subscribed = false;
    let first: (() => void) | undefined;
    const firstAttempt = new Promise<void>((resolve) => (first = resolve));
    sub.on('ready', () => {
      if (subscribed) return;
      sub.subscribe(this.invalidationChannel, (message: string) => onHash(message)).then(
        () => {
          subscribed = true;
          first?.();
        },
        () => first?.(),
      );
    });
    sub.connect().catch(() => undefined);
    // Wait briefly for the subscription so a caller (and tests) can rely on it; never block start-up on Redis.
    await withTimeout(firstAttempt, 1_000, 'subscribe').catch(() => undefined);
  }

  async close(): Promise<void> {
    const quit = async (c: RedisConnection | undefined) => {
      if (!c) return;
      if (!(c as unknown as { isReady: boolean }).isReady) {
        await c.disconnect().catch(() => undefined); // nothing to flush while Redis is away
        return;
      }
      try {
        await withTimeout<unknown>(c.quit(), 1_000, 'quit');
      } catch {
        await c.disconnect().catch(() => undefined);
      }
    };
    await quit(this.subscriber);
    this.subscriber = undefined;
    if (this.ownsClient) await quit(this.client);
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
    const holders = await this.repo.search().where('key_alias').eq(alias).return.all();
    if (holders.some((e) => e.key_id !== ownKeyId)) throw new KeyStoreError('conflict', `Key alias "${alias}" is already in use.`);
  }
}

const TAG_FIELDS = ['key_alias', 'user_id', 'team_id'] as const;

/** Applies settings (validated by the caller's schema) onto a record; `null` clears. Throws 'invalid' on bad values. */
export function applySettings(record: KeyRecord, settings: KeySettings, now: number): void {
  const r = record as unknown as Record<string, unknown>;
  for (const field of SETTABLE_FIELDS) {
    if (!(field in settings)) continue;
    const value = settings[field];
    if (value === undefined) continue;
    if (value === null) {
      if (field === 'models') record.models = [];
      else if (field === 'metadata') record.metadata = {};
      else if (field === 'blocked') record.blocked = false;
      else delete r[field];
      continue;
    }
    if ((TAG_FIELDS as readonly string[]).includes(field)) {
      const s = String(value);
      if (s.includes('|')) throw new KeyStoreError('invalid', `${field} must not contain "|".`);
      if (s === '') delete r[field];
      else r[field] = s;
      continue;
    }
    if (field === 'expires') {
      try {
        record.expires = parseExpires(String(value), now);
      } catch (err) {
        throw new KeyStoreError('invalid', `expires: ${(err as Error).message}`);
      }
      continue;
    }
    if (field === 'models') {
      record.models = [...new Set((value as string[]).map((m) => m.trim()).filter(Boolean))];
      continue;
    }
    r[field] = field === 'metadata' ? structuredClone(value) : value;
  }
}

function toEntity(record: KeyRecord): Entity {
  const { key_hash: _hash, ...rest } = record;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return out as Entity;
}

function toRecord(entity: Entity): KeyRecord | undefined {
  const e = entity as Record<string, unknown>;
  const hash = entity[EntityId];
  if (typeof e.key_id !== 'string' || !hash) return undefined;
  const data = Object.fromEntries(Object.entries(e)); // own string keys only (drops redis-om's symbols)
  return {
    ...(data as unknown as KeyRecord),
    key_hash: hash,
    models: Array.isArray(e.models) ? (e.models as string[]) : [],
    metadata: e.metadata && typeof e.metadata === 'object' ? (e.metadata as Record<string, unknown>) : {},
    blocked: e.blocked === true,
    rotation_count: typeof e.rotation_count === 'number' ? e.rotation_count : 0,
  };
}
