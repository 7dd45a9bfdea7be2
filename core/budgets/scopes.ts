// Who a dollar is counted against: scopes (key, user, team, customer, tag, model, global) and the budgets that apply
// to a caller. Scope names go into Redis keys inside a hash tag `{…}`, so all keys of one scope share a cluster slot.
import type { Budget, BudgetSettings } from '../../schemas/config/budgets.ts';
import type { EntityRecord, RequestEntities } from '../governance/entities.ts';
import { toNano } from '../money.ts';
import { parseDuration, type PeriodSpec } from './periods.ts';

/** `customer` is the request's end user (OpenAI's `user` field); `tag` one of its tags. */
export type ScopeKind = 'key' | 'user' | 'team' | 'customer' | 'tag' | 'model' | 'global';

export const GLOBAL_SCOPE = 'global';

export const scopeName = (kind: Exclude<ScopeKind, 'global'>, id: string): string => `${kind}:${id}`;

export function scopeKind(scope: string): ScopeKind {
  return (scope === GLOBAL_SCOPE ? 'global' : scope.slice(0, scope.indexOf(':'))) as ScopeKind;
}

export function scopeId(scope: string): string {
  return scope === GLOBAL_SCOPE ? '' : scope.slice(scope.indexOf(':') + 1);
}

export interface Tenant {
  keyId: string;
  userId: string;
  teamId: string;
  /** The request's end user ('' or absent = none). */
  endUser?: string | undefined;
  /** The request's tags (deduplicated). */
  tags?: readonly string[] | undefined;
}

/** Scopes a budget can be set on (a reservation or pending charge lives on each). Empty ids are no scope. */
export function budgetScopes(t: Tenant): string[] {
  const out: string[] = [];
  if (t.keyId) out.push(scopeName('key', t.keyId));
  if (t.userId) out.push(scopeName('user', t.userId));
  if (t.teamId) out.push(scopeName('team', t.teamId));
  if (t.endUser) out.push(scopeName('customer', t.endUser));
  // Once each: a scope listed twice would be charged twice.
  for (const tag of new Set(t.tags)) if (tag) out.push(scopeName('tag', tag));
  out.push(GLOBAL_SCOPE);
  return out;
}

/** Scopes the ledger keeps spend counters for: the budget scopes plus the model. */
export function spendScopes(t: Tenant & { model: string }): string[] {
  const scopes = budgetScopes(t);
  if (t.model) scopes.push(scopeName('model', t.model));
  return scopes;
}

export interface ScopeBudget {
  scope: string;
  limitNano: number;
  /** The budget_duration as configured ('' = lifetime); what the ledger parses. */
  duration: string;
  spec: PeriodSpec;
  /** For messages: `key my-alias`, `team t1`, `customer c9`, `tag prod`, `global`. */
  label: string;
}

export interface BudgetHolder extends Tenant {
  alias?: string;
  maxBudget?: number | undefined;
  budgetDuration?: string | undefined;
  /** The request's team, user, customer and tag records (core/governance): their budgets. */
  entities?: RequestEntities | undefined;
}

/** Budgets that apply without a record of their own. */
export interface BudgetDefaults {
  /** An end user without a budget of its own (LiteLLM's `litellm_settings.max_end_user_budget`). */
  endUser?: Budget | undefined;
}

function budget(scope: string, label: string, maxBudget: number, duration: string | undefined): ScopeBudget {
  let spec: PeriodSpec;
  try {
    spec = parseDuration(duration);
  } catch (err) {
    throw new Error(`${label}: ${(err as Error).message}`);
  }
  return { scope, label, limitNano: toNano(maxBudget), duration: duration ?? '', spec };
}

/** A config budget by id (own entries only: an id is not a way into the object's prototype). */
const configured = (budgets: Record<string, Budget>, id: string): Budget | undefined => (Object.hasOwn(budgets, id) ? budgets[id] : undefined);

/** An entity's budget, when it has one. */
function entityBudget(e: EntityRecord | undefined): Budget | undefined {
  if (typeof e?.max_budget !== 'number') return undefined;
  return e.budget_duration ? { max_budget: e.max_budget, budget_duration: e.budget_duration } : { max_budget: e.max_budget };
}

/**
 * The budgets of a caller: its key's (from the key store), its user's and team's (the entity's budget, else
 * config's `budgets.users|teams`), its end user's (the customer entity's, else `defaults.endUser`), each of its tags'
 * (tag entities) and the global one. An invalid budget_duration throws an error naming the budget (the caller turns
 * it into a readable 4xx).
 */
export function budgetsFor(holder: BudgetHolder, settings: BudgetSettings, defaults: BudgetDefaults = {}): ScopeBudget[] {
  const out: ScopeBudget[] = [];
  const add = (kind: Exclude<ScopeKind, 'global' | 'key' | 'model'>, id: string, b: Budget | undefined) => {
    if (id && b) out.push(budget(scopeName(kind, id), `${kind} ${id}`, b.max_budget, b.budget_duration));
  };
  const e = holder.entities;
  if (holder.keyId && typeof holder.maxBudget === 'number') out.push(budget(scopeName('key', holder.keyId), `key ${holder.alias || holder.keyId}`, holder.maxBudget, holder.budgetDuration));
  add('user', holder.userId, entityBudget(e?.user) ?? configured(settings.users, holder.userId));
  add('team', holder.teamId, entityBudget(e?.team) ?? configured(settings.teams, holder.teamId));
  if (holder.endUser) add('customer', holder.endUser, entityBudget(e?.customer) ?? defaults.endUser);
  for (const tag of e?.tags ?? []) add('tag', tag.id, entityBudget(tag));
  if (settings.global) out.push(budget(GLOBAL_SCOPE, 'global', settings.global.max_budget, settings.global.budget_duration));
  return out;
}

/** Budgets known from config alone (teams, users, global): what the ledger knows without a gateway registering them. */
export function configBudgets(settings: BudgetSettings): Map<string, ScopeBudget> {
  const out = new Map<string, ScopeBudget>();
  for (const [id, b] of Object.entries(settings.users)) out.set(scopeName('user', id), budget(scopeName('user', id), `user ${id}`, b.max_budget, b.budget_duration));
  for (const [id, b] of Object.entries(settings.teams)) out.set(scopeName('team', id), budget(scopeName('team', id), `team ${id}`, b.max_budget, b.budget_duration));
  if (settings.global) out.set(GLOBAL_SCOPE, budget(GLOBAL_SCOPE, 'global', settings.global.max_budget, settings.global.budget_duration));
  return out;
}

/** Rebuilds a budget from what a gateway registered in Redis (key budgets live in the key store, not in config). */
export function registeredBudget(scope: string, fields: Record<string, string>): ScopeBudget | undefined {
  const limit = Number(fields.limit);
  if (!Number.isFinite(limit) || fields.dur === undefined) return undefined;
  try {
    return { scope, label: fields.label || scope, limitNano: limit, duration: fields.dur, spec: parseDuration(fields.dur) };
  } catch {
    return undefined;
  }
}
