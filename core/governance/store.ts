// Teams, users, customers and tags in Redis: one JSON string per entity at `<prefix>gov:{<kind>:<id>}` (the hash tag
// keeps every command on one entity in one Redis Cluster slot), a sorted set per kind `<prefix>gov:<kind>:ids`
// (score = created ms) for listing, and every change announced on entityInvalidationChannel(prefix) as `<kind>:<id>`.
// Changes are read-modify-write with a compare-and-set script, so concurrent admins never lose each other's edits.
// The request path reads with getMany: every entity of a request in one pipelined round trip.
import { callOnKeyNode, createRedis, getAll, subscriberFor, type RedisClient as Redis } from '../../lib/redis.ts';
import { entityInvalidationChannel, type EntityKind, type EntityRecord, type EntityReader, type EntityRef, type TeamMember } from './entities.ts';
import { GovernanceError, invalid, unavailable, withTimeout } from './errors.ts';
import { applyChanges, checkId, checkMember, checkNewId, emptyRecord, LIMITS, normalizeRecord, uniqueMembers, type EntityChanges } from './settings.ts';

export interface GovernanceStoreOptions {
  /** helix_settings.auth.redis_prefix, as the key store: `helix:` → `helix:gov:{team:t1}`. */
  prefix?: string;
  /** Admin operations give up after this long; getMany takes its own timeout. */
  opTimeoutMs?: number;
}

export interface ListOptions {
  /** 1-based. */
  page?: number;
  size?: number;
}

export interface EntityPage {
  records: EntityRecord[];
  total: number;
  page: number;
  size: number;
}

export const MAX_PAGE_SIZE = 1000;

/** SET KEYS[1] to ARGV[2] only while it still holds ARGV[1]. */
const COMPARE_AND_SET = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";
const CAS_ATTEMPTS = 32;
/** Random pause before retrying a lost compare-and-set, growing with the attempt (spreads contending writers). */
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * (attempt + 1))));

// eslint-disable-next-line no-control-regex
const STORABLE_ID = /^[^\u0000-\u001f\u007f]{1,256}$/;

function parse(raw: string | null | undefined): EntityRecord | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as EntityRecord;
    return typeof value === 'object' && value !== null && typeof value.id === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

const addTeam = (teamId: string) => (user: EntityRecord) => {
  const teams = user.teams ?? [];
  if (teams.includes(teamId)) return [];
  if (teams.length >= LIMITS.teamsPerUser) throw invalid('teams', `a user belongs to at most ${LIMITS.teamsPerUser} teams`);
  user.teams = [...teams, teamId];
  return ['teams'];
};

const removeTeam = (teamId: string) => (user: EntityRecord) => {
  if (!user.teams?.includes(teamId)) return [];
  user.teams = user.teams.filter((t) => t !== teamId);
  return ['teams'];
};

const removeMember = (userId: string) => (team: EntityRecord) => {
  if (!team.members?.some((m) => m.user_id === userId)) return [];
  team.members = team.members.filter((m) => m.user_id !== userId);
  return ['members'];
};

export class GovernanceStore implements EntityReader {
  readonly prefix: string;
  readonly channel: string;
  private readonly opTimeoutMs: number;
  private subscriber: Redis | undefined;
  private ownsClient = false;

  constructor(
    readonly redis: Redis,
    opts: GovernanceStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'helix:';
    this.channel = entityInvalidationChannel(this.prefix);
    this.opTimeoutMs = opts.opTimeoutMs ?? 5_000;
  }

  /** A store with its own connection (the CLI, tools, tests); the gateway passes its shared one. */
  static open(url: string, opts: GovernanceStoreOptions = {}): GovernanceStore {
    const redis = createRedis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    const store = new GovernanceStore(redis, opts);
    store.ownsClient = true;
    return store;
  }

  entityKey(kind: EntityKind, id: string): string {
    return `${this.prefix}gov:{${kind}:${id}}`;
  }

  idsKey(kind: EntityKind): string {
    return `${this.prefix}gov:${kind}:ids`;
  }

  /** Settles once the connection is ready or its attempt failed: commands right after start-up wait for it. */
  private connected(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.redis.off('ready', done).off('error', done);
        resolve();
      };
      this.redis.once('ready', done).once('error', done);
    });
  }

  private async op<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.connected().then(fn), this.opTimeoutMs, what);
    } catch (err) {
      if (err instanceof GovernanceError) throw err;
      throw unavailable(err);
    }
  }

  // ---- request path ----------------------------------------------------------------------------------------

  /** Every given entity in one pipelined round trip, in order; absent (or unstorable) ids are undefined. */
  async getMany(refs: EntityRef[], timeoutMs = this.opTimeoutMs): Promise<Array<EntityRecord | undefined>> {
    const asked = refs.map((ref) => STORABLE_ID.test(ref.id));
    if (!asked.includes(true)) return refs.map(() => undefined);
    const keys = refs.flatMap((ref, i) => (asked[i] ? [this.entityKey(ref.kind, ref.id)] : []));
    let values: Array<string | null>;
    try {
      values = await withTimeout(this.connected().then(() => getAll(this.redis, keys)), timeoutMs, 'getMany');
    } catch (err) {
      throw unavailable(err);
    }
    let next = 0;
    return refs.map((ref, i) => {
      if (!asked[i]) return undefined;
      const record = parse(values[next++]);
      return record && record.kind === ref.kind ? record : undefined;
    });
  }

  // ---- admin operations ------------------------------------------------------------------------------------

  get(kind: EntityKind, id: string): Promise<EntityRecord | undefined> {
    return this.op('get', async () => parse(await this.redis.get(this.entityKey(kind, checkId(id)))));
  }

  /**
   * Creates an entity; 'conflict' when the id exists. A team may start with members and a user with teams (which
   * must exist): the other side of each membership is kept in step.
   */
  create(kind: EntityKind, id: string, changes: EntityChanges = {}, relations: { members?: TeamMember[]; teams?: string[] } = {}): Promise<EntityRecord> {
    return this.op('create', async () => {
      const record = emptyRecord(kind, checkNewId(kind, id), new Date().toISOString());
      applyChanges(record, changes);
      const teams = kind === 'user' ? [...new Set(relations.teams ?? [])] : [];
      if (teams.length > LIMITS.teamsPerUser) throw invalid('teams', `at most ${LIMITS.teamsPerUser} teams`);
      const found = await this.getMany(teams.map((t) => ({ kind: 'team' as const, id: checkId(t, 'teams') })));
      const missing = teams.filter((_, i) => !found[i]);
      if (missing.length > 0) throw new GovernanceError('not_found', `Team(s) not found: ${missing.slice(0, 10).join(', ')}`);
      if (kind === 'team') {
        const given = relations.members ?? [];
        if (given.length > LIMITS.members) throw invalid('members', `at most ${LIMITS.members} members`);
        record.members = uniqueMembers(given.map((m, i) => checkMember(m, `members[${i}]`)));
      }
      const stored = await this.redis.set(this.entityKey(kind, record.id), JSON.stringify(record), 'NX');
      if (stored !== 'OK') throw new GovernanceError('conflict', `${kind} ${record.id} already exists.`);
      await this.redis.zadd(this.idsKey(kind), Date.parse(record.created_at), record.id);
      await this.announce(kind, record.id);
      for (const m of record.members ?? []) await this.mutate('user', m.user_id, addTeam(record.id), true);
      for (const teamId of teams) await this.joinTeam(teamId, { user_id: record.id, role: 'user' });
      return teams.length > 0 ? ((await this.get(kind, record.id)) ?? record) : record;
    });
  }

  /** Applies changes; returns the record and the fields that changed (nothing is written when none did). */
  update(kind: EntityKind, id: string, changes: EntityChanges): Promise<{ record: EntityRecord; changed: string[] }> {
    return this.op('update', () => this.mutate(kind, checkId(id), (r) => applyChanges(r, changes), false));
  }

  /** Applies changes, creating the entity when it does not exist (LiteLLM's upserts: /customer/block). */
  upsert(kind: EntityKind, id: string, changes: EntityChanges): Promise<{ record: EntityRecord; changed: string[]; created: boolean }> {
    return this.op('upsert', () => this.mutate(kind, checkNewId(kind, id), (r) => applyChanges(r, changes), true));
  }

  /** Deletes the given entities; returns those that existed. Memberships on the other side are removed too. */
  delete(kind: EntityKind, ids: string[]): Promise<EntityRecord[]> {
    return this.op('delete', async () => {
      const deleted: EntityRecord[] = [];
      for (const id of new Set(ids)) {
        const key = this.entityKey(kind, checkId(id));
        const record = parse(await this.redis.get(key));
        if (!record) continue;
        await this.redis.del(key);
        await this.redis.zrem(this.idsKey(kind), id);
        await this.announce(kind, id);
        deleted.push(record);
      }
      for (const r of deleted) {
        for (const m of r.kind === 'team' ? (r.members ?? []) : []) await this.mutateIfExists('user', m.user_id, removeTeam(r.id));
        for (const t of r.kind === 'user' ? (r.teams ?? []) : []) await this.mutateIfExists('team', t, removeMember(r.id));
      }
      return deleted;
    });
  }

  /** Newest first; `total` counts every entity of the kind. */
  list(kind: EntityKind, opts: ListOptions = {}): Promise<EntityPage> {
    return this.op('list', async () => {
      const page = Math.max(1, Math.floor(opts.page ?? 1));
      const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(opts.size ?? 100)));
      const start = (page - 1) * size;
      const [total, ids] = await Promise.all([this.redis.zcard(this.idsKey(kind)), this.redis.zrevrange(this.idsKey(kind), start, start + size - 1)]);
      const records = await this.getMany(ids.map((id) => ({ kind, id })));
      const stale = ids.filter((_, i) => !records[i]);
      // An id whose entity is gone (deleted between its two writes): dropped from the listing.
      if (stale.length > 0) await this.redis.zrem(this.idsKey(kind), ...stale);
      return { records: records.filter((r): r is EntityRecord => r !== undefined), total: total - stale.length, page, size };
    });
  }

  /**
   * Adds members to a team ('conflict' when one already is) and the team to each member's `teams`; a member
   * without a user entity gets one, as LiteLLM's /team/member_add does.
   */
  addMembers(teamId: string, members: TeamMember[]): Promise<{ team: EntityRecord; users: EntityRecord[] }> {
    return this.op('member add', async () => {
      if (members.length > LIMITS.members) throw invalid('member', `at most ${LIMITS.members} members`);
      const unique = uniqueMembers(members.map((m, i) => checkMember(m, members.length === 1 ? 'member' : `member[${i}]`)));
      const { record: team } = await this.mutate('team', checkId(teamId), (r) => {
        const existing = r.members ?? [];
        const already = unique.find((m) => existing.some((e) => e.user_id === m.user_id));
        if (already) throw new GovernanceError('conflict', `User ${already.user_id} is already a member of team ${teamId}.`);
        if (existing.length + unique.length > LIMITS.members) throw invalid('members', `a team has at most ${LIMITS.members} members`);
        r.members = [...existing, ...unique];
        return ['members'];
      }, false);
      const users: EntityRecord[] = [];
      for (const m of unique) users.push((await this.mutate('user', m.user_id, addTeam(teamId), true)).record);
      return { team, users };
    });
  }

  /** Removes a member from a team and the team from the user's `teams`; 'invalid' when it is no member. */
  removeMember(teamId: string, userId: string): Promise<EntityRecord> {
    return this.op('member delete', async () => {
      const { record, changed } = await this.mutate('team', checkId(teamId), removeMember(checkId(userId, 'user_id')), false);
      if (changed.length === 0) throw new GovernanceError('invalid', `User ${userId} is not a member of team ${teamId}.`, 'user_id');
      await this.mutateIfExists('user', userId, removeTeam(teamId));
      return record;
    });
  }

  /** Upsert as-is (the LiteLLM importer): the record is validated, memberships are taken as given. */
  put(input: EntityRecord): Promise<EntityRecord> {
    return this.op('put', async () => {
      const record = normalizeRecord(input);
      await this.redis.set(this.entityKey(record.kind, record.id), JSON.stringify(record));
      await this.redis.zadd(this.idsKey(record.kind), Date.parse(record.created_at), record.id);
      await this.announce(record.kind, record.id);
      return record;
    });
  }

  /** Calls `onChange` whenever any process changes or deletes an entity, so caches drop it at once. */
  async subscribe(onChange: (ref: EntityRef) => void): Promise<void> {
    if (this.subscriber) return;
    const sub = subscriberFor(this.redis);
    sub.on('error', () => undefined);
    this.subscriber = sub;
    sub.on('message', (_channel: string, message: string) => {
      const at = message.indexOf(':');
      if (at > 0) onChange({ kind: message.slice(0, at) as EntityKind, id: message.slice(at + 1) });
    });
    // Never blocks start-up on Redis: ioredis subscribes once connected and re-subscribes after reconnects.
    await withTimeout(sub.subscribe(this.channel), 1_000, 'subscribe').catch(() => undefined);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    if (this.ownsClient) this.redis.disconnect();
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  /** Best effort: a lost message is covered by the readers' cache TTL. Always through one node (on a cluster the
   *  channel's slot owner; it relays to the others), so this process's messages arrive in the order it sent them. */
  private async announce(kind: EntityKind, id: string): Promise<void> {
    await callOnKeyNode(this.redis, this.channel, 'PUBLISH', this.channel, `${kind}:${id}`).catch(() => undefined);
  }

  /** Read-modify-write of one entity with compare-and-set, retried on a concurrent change. */
  private async mutate(kind: EntityKind, id: string, change: (r: EntityRecord) => string[], createIfMissing: boolean): Promise<{ record: EntityRecord; changed: string[]; created: boolean }> {
    const key = this.entityKey(kind, id);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const raw = await this.redis.get(key);
      const before = parse(raw);
      if (!before && !createIfMissing) throw new GovernanceError('not_found', `${kind} ${id} not found.`);
      const record = before ? structuredClone(before) : emptyRecord(kind, id, new Date().toISOString());
      const changed = change(record);
      if (before && changed.length === 0) return { record: before, changed, created: false };
      record.updated_at = new Date().toISOString();
      const json = JSON.stringify(record);
      const written = raw === null ? (await this.redis.set(key, json, 'NX')) === 'OK' : (await this.redis.eval(COMPARE_AND_SET, 1, key, raw, json)) === 1;
      if (!written) {
        await backoff(attempt);
        continue;
      }
      if (raw === null) await this.redis.zadd(this.idsKey(kind), Date.parse(record.created_at), id);
      await this.announce(kind, id);
      return { record, changed, created: raw === null };
    }
    throw new GovernanceError('conflict', `${kind} ${id} is being changed concurrently; try again.`);
  }

  private async mutateIfExists(kind: EntityKind, id: string, change: (r: EntityRecord) => string[]): Promise<void> {
    await this.mutate(kind, id, change, false).catch((err: unknown) => {
      if (!(err instanceof GovernanceError && err.code === 'not_found')) throw err;
    });
  }

  /** Adds a user to an existing team, both sides (nothing when it already is a member). */
  private async joinTeam(teamId: string, member: TeamMember): Promise<void> {
    await this.mutate('team', teamId, (r) => {
      if (r.members?.some((m) => m.user_id === member.user_id)) return [];
      r.members = [...(r.members ?? []), member];
      return ['members'];
    }, false);
    await this.mutate('user', member.user_id, addTeam(teamId), true);
  }
}
