// What may be set on an entity and the bounds every value must keep, whoever writes it (admin API, importer): ids,
// budgets and their periods, limits, models, metadata, team members. A change applies onto a record; `null` clears a
// field, as /key/update does.
import { parseDuration } from '../budgets/periods.ts';
import { ATTRIBUTION_LIMITS } from '../../schemas/events/attribution.ts';
import { invalid } from './errors.ts';
import type { EntityKind, EntityRecord, TeamMember } from './entities.ts';

export const LIMITS = {
  idLength: 256,
  aliasLength: 256,
  modelCount: 1000,
  modelLength: 256,
  metadataBytes: 32 * 1024,
  descriptionLength: 2000,
  emailLength: 320,
  roleLength: 64,
  members: 10_000,
  teamsPerUser: 1000,
} as const;

/** Settable fields; `null` clears one (models → all, metadata → {}, blocked → false, the rest → absent). */
export interface EntityChanges {
  alias?: string | null;
  max_budget?: number | null;
  budget_duration?: string | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  models?: string[] | null;
  blocked?: boolean | null;
  metadata?: Record<string, unknown> | null;
  /** user only */
  email?: string | null;
  role?: string | null;
  /** tag only */
  description?: string | null;
}

const COMMON_FIELDS = ['alias', 'max_budget', 'budget_duration', 'rpm_limit', 'tpm_limit', 'models', 'blocked', 'metadata'] as const;

/** The fields each kind may be given. */
export const SETTABLE_FIELDS: Record<EntityKind, ReadonlyArray<keyof EntityChanges>> = {
  team: COMMON_FIELDS,
  user: [...COMMON_FIELDS, 'email', 'role'],
  customer: COMMON_FIELDS,
  tag: [...COMMON_FIELDS, 'description'],
};

// C0 controls and DEL: never part of an id or a name (they would end up in logs, headers and Redis keys).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A bounded, printable string; throws 'invalid' naming the field otherwise. */
export function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.length > max) throw invalid(field, `must be at most ${max} characters`);
  if (CONTROL.test(value)) throw invalid(field, 'must not contain control characters');
  return value;
}

/** An entity id: 1–256 printable characters. */
export function checkId(id: unknown, field = 'id'): string {
  const s = checkText(field, id, LIMITS.idLength);
  if (s.trim() === '') throw invalid(field, 'must not be empty');
  return s;
}

// C1 controls: refused in a request's end user and tags (gateway/governance/attribution.ts).
const C1 = /[\u0080-\u009f]/;

/**
 * The id of a new entity. A customer's and a tag's must be one a request can name (its `user` field, a tag in
 * metadata.tags or a header: trimmed, at most 64 characters), or the record would never apply; a team's and a
 * user's one a key can carry.
 */
export function checkNewId(kind: EntityKind, id: unknown, field = 'id'): string {
  const s = checkId(id, field);
  if ((kind === 'customer' || kind === 'tag') && C1.test(s)) throw invalid(field, 'must not contain control characters');
  // Keys carry their team and user in a search field that `|` splits (/key/generate refuses it there too).
  if ((kind === 'team' || kind === 'user') && s.includes('|')) throw invalid(field, 'must not contain "|"');
  if (kind !== 'tag') return s;
  if (s.length > ATTRIBUTION_LIMITS.tagChars) throw invalid(field, `a tag name is at most ${ATTRIBUTION_LIMITS.tagChars} characters`);
  if (s.trim() !== s) throw invalid(field, 'a tag name must not start or end with spaces');
  return s;
}

function checkNumber(field: string, value: unknown, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(field, 'must be a number ≥ 0');
  if (integer && !Number.isInteger(value)) throw invalid(field, 'must be an integer');
  return value;
}

function checkModels(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid('models', 'must be a list of model names');
  if (value.length > LIMITS.modelCount) throw invalid('models', `at most ${LIMITS.modelCount} entries`);
  const out = value.map((m, i) => checkText(`models[${i}]`, m, LIMITS.modelLength).trim()).filter(Boolean);
  return [...new Set(out)];
}

function checkMetadata(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('metadata', 'must be an object');
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > LIMITS.metadataBytes) throw invalid('metadata', `must be at most ${LIMITS.metadataBytes} bytes as JSON`);
  return JSON.parse(json) as Record<string, unknown>;
}

function checkDuration(value: unknown): string {
  const d = checkText('budget_duration', value, 32);
  try {
    parseDuration(d);
  } catch (err) {
    throw invalid('budget_duration', (err as Error).message);
  }
  return d;
}

/** The validated value of one field (never null: the caller handles clearing). */
function checked(field: keyof EntityChanges, value: unknown): unknown {
  switch (field) {
    case 'alias':
      return checkText(field, value, LIMITS.aliasLength);
    case 'max_budget':
      return checkNumber(field, value, false);
    case 'rpm_limit':
    case 'tpm_limit':
      return checkNumber(field, value, true);
    case 'budget_duration':
      return checkDuration(value);
    case 'models':
      return checkModels(value);
    case 'blocked':
      if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
      return value;
    case 'metadata':
      return checkMetadata(value);
    case 'email':
      return checkText(field, value, LIMITS.emailLength);
    case 'role':
      return checkText(field, value, LIMITS.roleLength);
    case 'description':
      return checkText(field, value, LIMITS.descriptionLength);
  }
}

const CLEARED: Partial<Record<keyof EntityChanges, unknown>> = { models: [], metadata: {}, blocked: false };

/** Applies validated changes onto a record (in place); returns the names of the fields whose value changed. */
export function applyChanges(record: EntityRecord, changes: EntityChanges): string[] {
  const r = record as unknown as Record<string, unknown>;
  const changed: string[] = [];
  for (const field of SETTABLE_FIELDS[record.kind]) {
    const value = changes[field];
    if (value === undefined) continue;
    const before = JSON.stringify(r[field]);
    const cleared = value === null || (value === '' && field !== 'metadata');
    if (cleared && field in CLEARED) r[field] = structuredClone(CLEARED[field]);
    else if (cleared) delete r[field];
    else r[field] = checked(field, value);
    if (JSON.stringify(r[field]) !== before) changed.push(field);
  }
  return changed;
}

/** A team member as stored: a user id and LiteLLM's team role. */
export function checkMember(value: unknown, field = 'member'): TeamMember {
  if (typeof value !== 'object' || value === null) throw invalid(field, 'must be an object with user_id and role');
  const m = value as Record<string, unknown>;
  const user_id = checkId(m.user_id, `${field}.user_id`);
  const role = m.role ?? 'user';
  if (role !== 'admin' && role !== 'user') throw invalid(`${field}.role`, 'must be "admin" or "user"');
  const email = m.user_email === undefined || m.user_email === null ? undefined : checkText(`${field}.user_email`, m.user_email, LIMITS.emailLength);
  return { user_id, role, ...(email ? { user_email: email } : {}) };
}

/** A new record of `kind` with no settings. */
export function emptyRecord(kind: EntityKind, id: string, nowIso: string): EntityRecord {
  return {
    kind,
    id,
    models: [],
    blocked: false,
    metadata: {},
    created_at: nowIso,
    updated_at: nowIso,
    ...(kind === 'team' ? { members: [] } : {}),
    ...(kind === 'user' ? { teams: [] } : {}),
  };
}

function checkDate(field: string, value: unknown): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid(field, 'must be an ISO-8601 date');
  return new Date(value).toISOString();
}

/** A whole record from outside (the importer's upsert): every field checked, the rest dropped. */
export function normalizeRecord(input: EntityRecord): EntityRecord {
  const kind = input.kind;
  if (!['team', 'user', 'customer', 'tag'].includes(kind)) throw invalid('kind', 'must be team, user, customer or tag');
  const now = new Date().toISOString();
  const created = input.created_at === undefined ? now : checkDate('created_at', input.created_at);
  const record = emptyRecord(kind, checkId(input.id), created);
  record.updated_at = input.updated_at === undefined ? now : checkDate('updated_at', input.updated_at);
  const changes: EntityChanges = {};
  for (const field of SETTABLE_FIELDS[kind]) {
    const value = (input as unknown as Record<string, unknown>)[field];
    if (value !== undefined && value !== null) (changes as Record<string, unknown>)[field] = value;
  }
  applyChanges(record, changes);
  if (kind === 'team') {
    const members = input.members ?? [];
    if (!Array.isArray(members) || members.length > LIMITS.members) throw invalid('members', `must be a list of at most ${LIMITS.members} members`);
    record.members = uniqueMembers(members.map((m, i) => checkMember(m, `members[${i}]`)));
  }
  if (kind === 'user') {
    const teams = input.teams ?? [];
    if (!Array.isArray(teams) || teams.length > LIMITS.teamsPerUser) throw invalid('teams', `must be a list of at most ${LIMITS.teamsPerUser} team ids`);
    record.teams = [...new Set(teams.map((t, i) => checkId(t, `teams[${i}]`)))];
  }
  return record;
}

/** Members with each user once (the last entry wins). */
export function uniqueMembers(members: TeamMember[]): TeamMember[] {
  const byUser = new Map<string, TeamMember>();
  for (const m of members) byUser.set(m.user_id, m);
  return [...byUser.values()];
}
