// The governance admin API's shapes, LiteLLM-compatible: request bodies → EntityChanges (LiteLLM's field names per
// kind: team_alias, user_alias, user_email, user_role, a customer's `alias`, a tag's `name`), and a stored entity →
// the JSON LiteLLM answers with (LiteLLM_TeamTable, LiteLLM_UserTable, LiteLLM_EndUserTable, TagConfig). Unset
// settings are shown as null, as LiteLLM does.
import { parseDuration, periodAt } from '../../core/budgets/periods.ts';
import type { EntityKind, EntityRecord } from '../../core/governance/entities.ts';
import { SETTABLE_FIELDS, type EntityChanges } from '../../core/governance/settings.ts';
import { GatewayError } from '../errors.ts';

/** LiteLLM's name of each entity field that it names differently. */
const WIRE_NAMES: Record<EntityKind, Record<string, string>> = {
  team: { id: 'team_id', alias: 'team_alias', members: 'members_with_roles' },
  user: { id: 'user_id', alias: 'user_alias', email: 'user_email', role: 'user_role' },
  customer: { id: 'user_id' },
  tag: { id: 'name' },
};

/** The body field that carries an entity field (`alias` of a team is `team_alias`). */
export const wireName = (kind: EntityKind, field: string): string => WIRE_NAMES[kind][field] ?? field;

/** The settings a body sets (present fields only; null clears). */
export function changesFrom(kind: EntityKind, body: Record<string, unknown>): EntityChanges {
  const changes: Record<string, unknown> = {};
  for (const field of SETTABLE_FIELDS[kind]) {
    const wire = wireName(kind, field);
    if (body[wire] !== undefined) changes[field] = body[wire];
  }
  return changes as EntityChanges;
}

/** When the current budget period ends (LiteLLM's budget_reset_at); null without a period. */
function budgetResetAt(r: EntityRecord, now = Date.now()): string | null {
  if (!r.budget_duration) return null;
  const end = periodAt(parseDuration(r.budget_duration), now).endMs;
  return Number.isFinite(end) ? new Date(end).toISOString() : null;
}

const or = <T>(v: T | undefined) => (v === undefined ? null : v);

/** The settings every kind shows. */
function settingsOf(r: EntityRecord) {
  return {
    max_budget: or(r.max_budget),
    budget_duration: or(r.budget_duration),
    budget_reset_at: budgetResetAt(r),
    tpm_limit: or(r.tpm_limit),
    rpm_limit: or(r.rpm_limit),
    models: r.models,
    blocked: r.blocked,
    metadata: r.metadata,
  };
}

/** LiteLLM keeps a customer's or tag's budget in a linked budget row; shown the same way. */
function budgetTable(r: EntityRecord) {
  if (r.max_budget === undefined && r.rpm_limit === undefined && r.tpm_limit === undefined && r.budget_duration === undefined) return null;
  return { max_budget: or(r.max_budget), tpm_limit: or(r.tpm_limit), rpm_limit: or(r.rpm_limit), budget_duration: or(r.budget_duration), budget_reset_at: budgetResetAt(r) };
}

const times = (r: EntityRecord) => ({ created_at: r.created_at, updated_at: r.updated_at });

/** LiteLLM_TeamTable. */
export function teamShape(r: EntityRecord) {
  const members = r.members ?? [];
  return {
    team_id: r.id,
    team_alias: or(r.alias),
    organization_id: null,
    admins: members.filter((m) => m.role === 'admin').map((m) => m.user_id),
    members: members.map((m) => m.user_id),
    members_with_roles: members.map((m) => ({ role: m.role, user_id: m.user_id, user_email: m.user_email ?? null })),
    ...settingsOf(r),
    max_parallel_requests: null,
    ...times(r),
  };
}

/** LiteLLM_UserTable. */
export function userShape(r: EntityRecord) {
  return { user_id: r.id, user_alias: or(r.alias), user_email: or(r.email), user_role: or(r.role), teams: r.teams ?? [], ...settingsOf(r), ...times(r) };
}

/** LiteLLM_EndUserTable (a customer is an end user: the request's `user` field). */
export function customerShape(r: EntityRecord) {
  return { user_id: r.id, alias: or(r.alias), allowed_model_region: null, default_model: null, budget_id: null, litellm_budget_table: budgetTable(r), ...settingsOf(r), ...times(r) };
}

/** LiteLLM's TagConfig. */
export function tagShape(r: EntityRecord) {
  return { name: r.id, description: or(r.description), model_info: {}, created_by: null, litellm_budget_table: budgetTable(r), ...settingsOf(r), alias: or(r.alias), ...times(r) };
}

export const SHAPES: Record<EntityKind, (r: EntityRecord) => Record<string, unknown>> = { team: teamShape, user: userShape, customer: customerShape, tag: tagShape };

export type Query = Record<string, unknown>;
export type Body = Record<string, unknown>;

/** Lists answered as a bare array (LiteLLM's /team/list, /customer/list, /tag/list) hold at most this many. */
export const ARRAY_LIST_MAX = 1000;

function positiveInt(q: Query, name: string, max: number): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new GatewayError('invalid_request', `${name} must be an integer from 1 to ${max}.`, { param: name });
  return n;
}

/** `page` (1-based) and `page_size` of a list query. */
export function pageFrom(q: Query, defaultSize: number, maxSize: number): { page: number; size: number } {
  return { page: positiveInt(q, 'page', 1_000_000) ?? 1, size: positiveInt(q, 'page_size', maxSize) ?? defaultSize };
}

/** A required string query parameter. */
export function queryParam(q: Query, name: string): string {
  const v = q[name];
  if (typeof v !== 'string' || v === '') throw new GatewayError('invalid_request', `Missing query parameter: ${name}.`, { param: name });
  return v;
}
