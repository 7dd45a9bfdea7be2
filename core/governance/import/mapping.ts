// LiteLLM's rows → what Helix keeps (pure: no I/O). Keys keep their hash (LiteLLM's `token` is the SHA-256 hex of the
// secret, exactly Helix's key document id), so clients' existing keys work unchanged. A row's own budget wins over the
// LiteLLM_BudgetTable row it links to (budget_id), as in LiteLLM. LiteLLM's model wildcards meaning "everything the
// team/proxy has" become Helix's "all models" (empty list); the team's own list still limits its keys.
import { createHash } from 'node:crypto';
import { parseDuration } from '../../budgets/periods.ts';
import type { EntityKind, EntityRecord, TeamMember } from '../entities.ts';
import type { KeyImport } from '../../keys/key-store.ts';
import type { KeyRecord } from '../../keys/key-record.ts';
import { LIMITS } from '../settings.ts';
import type { LiteLLMBudget, LiteLLMData, LiteLLMKey } from './litellm-source.ts';

/** A key as the key store imports it, with the settings every imported key has. */
export type PlannedKey = KeyImport & Pick<KeyRecord, 'models' | 'metadata' | 'blocked'>;

/** Spend to date of one imported spender, in nano-USD. */
export interface SpendFigure {
  kind: EntityKind | 'key';
  /** The LiteLLM id (keys: the hash; the importer maps it to the Helix key id). */
  id: string;
  /** Spend in the current budget period (LiteLLM resets `spend` when a budget period ends; lifetime without one). */
  currentNano: number;
  /** Spend before the current budget period (keys: total_spend − spend; 0 elsewhere: LiteLLM keeps no such total). */
  earlierNano: number;
}

export interface ImportPlan {
  keys: PlannedKey[];
  entities: EntityRecord[];
  spend: SpendFigure[];
  /** Rows left out, with why (the report shows them). */
  skipped: Array<{ kind: EntityKind | 'key'; id: string; reason: string }>;
  /** Rows imported with a change the operator should know of. */
  warnings: string[];
}

/** LiteLLM's special model names: "all models of the team / the proxy" → Helix's empty list (all). */
const ALL_MODELS = new Set(['all-team-models', 'all-proxy-models']);

const nano = (usd: number | undefined): number => Math.round(Math.max(0, usd ?? 0) * 1e9);

export const sha256Hex = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** The key's hash: LiteLLM's token as is, or the hash of an old proxy's plaintext `sk-…` token. */
export function keyHashOf(token: string): string | undefined {
  const t = token.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return t.toLowerCase();
  if (t.startsWith('sk-') && t.length <= 512) return sha256Hex(t);
  return undefined;
}

/** Display form of a key without its secret: LiteLLM's own key_name (`sk-...abcd`) when it has one. */
function displayName(key: LiteLLMKey, hash: string): string {
  const name = key.key_name && key.key_name.length <= 64 ? key.key_name : undefined;
  if (name) return name;
  return key.token.startsWith('sk-') ? `sk-...${key.token.slice(-4)}` : `litellm-...${hash.slice(-4)}`;
}

/** The budget and limits of a row: its own values, else those of the budget row it links to. */
function limitsOf(row: { max_budget?: number | undefined; budget_duration?: string | undefined; rpm_limit?: number | undefined; tpm_limit?: number | undefined; budget_id?: string | undefined }, budgets: Map<string, LiteLLMBudget>) {
  const linked = row.budget_id ? budgets.get(row.budget_id) : undefined;
  return {
    max_budget: row.max_budget ?? linked?.max_budget,
    budget_duration: row.budget_duration ?? linked?.budget_duration,
    rpm_limit: row.rpm_limit ?? linked?.rpm_limit,
    tpm_limit: row.tpm_limit ?? linked?.tpm_limit,
  };
}

class Planner {
  readonly plan: ImportPlan = { keys: [], entities: [], spend: [], skipped: [], warnings: [] };
  /** `<setting> on <kind>` → rows that set it (one warning each at the end). */
  private readonly unsupported = new Map<string, number>();

  noteUnsupported(kind: string, settings: string[]): void {
    for (const s of settings) this.unsupported.set(`${s}|${kind}`, (this.unsupported.get(`${s}|${kind}`) ?? 0) + 1);
  }

  finish(): ImportPlan {
    for (const [name, n] of this.unsupported) {
      const [setting, kind] = name.split('|');
      this.plan.warnings.push(`${setting} is set on ${n} ${kind}${n === 1 ? '' : 's'}: not imported (Helix has no such setting)`);
    }
    return this.plan;
  }

  models(list: string[]): string[] {
    return [...new Set(list.map((m) => m.trim()).filter((m) => m && !ALL_MODELS.has(m)))].slice(0, LIMITS.modelCount);
  }

  metadata(what: string, value: Record<string, unknown>): Record<string, unknown> {
    if (Buffer.byteLength(JSON.stringify(value)) <= LIMITS.metadataBytes) return value;
    this.plan.warnings.push(`${what}: metadata over ${LIMITS.metadataBytes} bytes left out`);
    return {};
  }

  /** A budget period Helix understands, else none (a lifetime budget), with a warning. */
  duration(what: string, d: string | undefined): string | undefined {
    if (!d) return undefined;
    try {
      parseDuration(d);
      return d;
    } catch {
      this.plan.warnings.push(`${what}: budget_duration "${d}" not understood, imported without a period (lifetime budget)`);
      return undefined;
    }
  }

  /** Non-negative numbers only; rate limits whole. */
  limits(what: string, l: ReturnType<typeof limitsOf>) {
    const out: { max_budget?: number; budget_duration?: string; rpm_limit?: number; tpm_limit?: number } = {};
    if (l.max_budget !== undefined && l.max_budget >= 0) out.max_budget = l.max_budget;
    const duration = out.max_budget !== undefined ? this.duration(what, l.budget_duration) : undefined;
    if (duration) out.budget_duration = duration;
    if (l.rpm_limit !== undefined && l.rpm_limit >= 0) out.rpm_limit = Math.floor(l.rpm_limit);
    if (l.tpm_limit !== undefined && l.tpm_limit >= 0) out.tpm_limit = Math.floor(l.tpm_limit);
    return out;
  }

  spend(kind: SpendFigure['kind'], id: string, current: number, lifetime?: number): void {
    const currentNano = nano(current);
    const earlierNano = Math.max(0, nano(lifetime) - currentNano);
    this.plan.spend.push({ kind, id, currentNano, earlierNano });
  }
}

/** Ids the stores accept: printable, bounded; and for the key store's indexed fields no `|`. */
const usableId = (id: string | undefined): id is string =>
  // eslint-disable-next-line no-control-regex
  id !== undefined && id.trim() !== '' && id.length <= LIMITS.idLength && !/[\u0000-\u001f\u007f]/.test(id);

function planKeys(p: Planner, data: LiteLLMData): void {
  const seen = new Set<string>();
  const aliases = new Set<string>();
  // Oldest first: where two LiteLLM keys share an alias, the older one keeps it.
  const byAge = [...data.keys].sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''));
  for (const k of byAge) {
    const hash = keyHashOf(k.token);
    const label = k.key_alias ?? k.key_name ?? (hash ? `…${hash.slice(-8)}` : 'a key');
    if (!hash) {
      p.plan.skipped.push({ kind: 'key', id: label, reason: 'token is neither a SHA-256 hash nor an sk- key' });
      continue;
    }
    if (seen.has(hash)) continue; // a plaintext token and its hash both present: one key
    seen.add(hash);
    const bad = (['key_alias', 'user_id', 'team_id'] as const).find((f) => k[f] !== undefined && (!usableId(k[f]) || k[f]!.includes('|')));
    if (bad) {
      p.plan.skipped.push({ kind: 'key', id: label, reason: `${bad} is empty, too long or contains "|" or control characters` });
      continue;
    }
    const key: PlannedKey = {
      key_hash: hash,
      key_name: displayName(k, hash),
      models: p.models(k.models),
      metadata: p.metadata(`key ${label}`, k.metadata),
      blocked: k.blocked,
      ...p.limits(`key ${label}`, limitsOf(k, data.budgets)),
    };
    // Aliases are unique in Helix: a second key with the same alias keeps working, without it.
    if (k.key_alias && aliases.has(k.key_alias)) p.plan.warnings.push(`key ${key.key_name}: alias "${k.key_alias}" is taken by another imported key, imported without alias`);
    else if (k.key_alias) key.key_alias = k.key_alias;
    if (key.key_alias) aliases.add(key.key_alias);
    p.noteUnsupported('key', k.unsupported);
    if (k.user_id) key.user_id = k.user_id;
    if (k.team_id) key.team_id = k.team_id;
    if (k.expires) key.expires = k.expires;
    if (k.created_at) key.created_at = k.created_at;
    p.plan.keys.push(key);
    p.spend('key', hash, k.spend, k.total_spend);
  }
}

function entity(kind: EntityKind, id: string, fields: Partial<EntityRecord>, created: string | undefined): EntityRecord {
  const now = new Date().toISOString();
  return { kind, id, models: [], blocked: false, metadata: {}, created_at: created ?? now, updated_at: now, ...fields };
}

/** A team's members: members_with_roles, then the older admins/members lists and LiteLLM_TeamMembership rows. */
function membersOf(team: LiteLLMData['teams'][number], memberships: Map<string, string[]>): TeamMember[] {
  const byUser = new Map<string, TeamMember>();
  const add = (user_id: unknown, role: unknown) => {
    if (typeof user_id !== 'string' || !usableId(user_id) || byUser.has(user_id)) return;
    byUser.set(user_id, { user_id, role: role === 'admin' ? 'admin' : 'user' });
  };
  if (Array.isArray(team.members_with_roles)) for (const m of team.members_with_roles as Array<Record<string, unknown>>) add(m?.user_id, m?.role);
  for (const u of team.admins) add(u, 'admin');
  for (const u of team.members) add(u, 'user');
  for (const u of memberships.get(team.team_id) ?? []) add(u, 'user');
  return [...byUser.values()].slice(0, LIMITS.members);
}

function planEntities(p: Planner, data: LiteLLMData): void {
  const memberships = new Map<string, string[]>();
  for (const m of data.memberships) {
    const list = memberships.get(m.team_id);
    if (list) list.push(m.user_id);
    else memberships.set(m.team_id, [m.user_id]);
  }
  const teamIds = new Set(data.teams.map((t) => t.team_id));
  const userTeams = new Map<string, Set<string>>(data.users.map((u) => [u.user_id, new Set(u.teams.filter((t) => teamIds.has(t)))]));

  type Row = Parameters<typeof limitsOf>[0] & { models: string[]; metadata: Record<string, unknown>; blocked: boolean; unsupported: string[] };
  const common = (kind: string, id: string, r: Row) => {
    const what = `${kind} ${id}`;
    p.noteUnsupported(kind, r.unsupported);
    return { models: p.models(r.models), metadata: p.metadata(what, r.metadata), blocked: r.blocked, ...p.limits(what, limitsOf(r, data.budgets)) };
  };
  const skip = (kind: EntityKind, id: string) => {
    p.plan.skipped.push({ kind, id: id.slice(0, 80), reason: 'id is empty, longer than 256 characters or has control characters' });
    return false;
  };

  const teams: EntityRecord[] = [];
  for (const t of data.teams) {
    if (!usableId(t.team_id) && !skip('team', t.team_id)) continue;
    const members = membersOf(t, memberships);
    for (const m of members) userTeams.get(m.user_id)?.add(t.team_id);
    teams.push(entity('team', t.team_id, { ...common('team', t.team_id, t), ...(t.team_alias ? { alias: t.team_alias } : {}), members }, t.created_at));
    p.spend('team', t.team_id, t.spend);
  }
  // Both sides of a membership agree: a user listing a team is among its members.
  const byId = new Map(teams.map((t) => [t.id, { team: t, members: new Set(t.members!.map((m) => m.user_id)) }]));
  for (const [userId, set] of userTeams) {
    for (const teamId of set) {
      const t = byId.get(teamId);
      if (!t || t.members.has(userId)) continue;
      t.members.add(userId);
      t.team.members!.push({ user_id: userId, role: 'user' });
    }
  }
  p.plan.entities.push(...teams);

  for (const u of data.users) {
    if (!usableId(u.user_id) && !skip('user', u.user_id)) continue;
    const fields: Partial<EntityRecord> = { ...common('user', u.user_id, u), teams: [...(userTeams.get(u.user_id) ?? [])] };
    if (u.user_alias) fields.alias = u.user_alias;
    if (u.user_email) fields.email = u.user_email;
    if (u.user_role) fields.role = u.user_role;
    p.plan.entities.push(entity('user', u.user_id, fields, u.created_at));
    p.spend('user', u.user_id, u.spend);
  }
  for (const c of data.endUsers) {
    if (!usableId(c.user_id) && !skip('customer', c.user_id)) continue;
    p.plan.entities.push(entity('customer', c.user_id, { ...common('end user', c.user_id, c), ...(c.alias ? { alias: c.alias } : {}) }, c.created_at));
    p.spend('customer', c.user_id, c.spend);
  }
  for (const t of data.tags) {
    if (!usableId(t.tag_name) && !skip('tag', t.tag_name)) continue;
    p.plan.entities.push(entity('tag', t.tag_name, { ...common('tag', t.tag_name, t), ...(t.description ? { description: t.description } : {}) }, t.created_at));
    p.spend('tag', t.tag_name, t.spend);
  }
}

export function planImport(data: LiteLLMData): ImportPlan {
  const p = new Planner();
  planKeys(p, data);
  planEntities(p, data);
  for (const t of data.missingTables) p.plan.warnings.push(`the database has no ${t} table (an older LiteLLM): nothing imported from it`);
  return p.finish();
}
