// Who a dollar is counted against: scopes (key, user, team, model, global) and the budgets that apply to a caller.
// Scope names go into Redis keys inside a hash tag `{…}`, so all keys of one scope share a cluster slot.
import type { BudgetSettings } from '../../schemas/config/budgets.ts';
import { toNano } from '../money.ts';
import { parseDuration, type PeriodSpec } from './periods.ts';

export type ScopeKind = 'key' | 'user' | 'team' | 'model' | 'global';

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
}

/** Scopes a budget can be set on (a reservation or pending charge lives on each). Empty ids are no scope. */
export function budgetScopes(t: Tenant): string[] {
  const out: string[] = [];
  if (t.keyId) out.push(scopeName('key', t.keyId));
  if (t.userId) out.push(scopeName('user', t.userId));
  if (t.teamId) out.push(scopeName('team', t.teamId));
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
  /** For messages: `key my-alias`, `team t1`, `global`. */
  label: string;
}

export interface BudgetHolder extends Tenant {
  alias?: string;
  maxBudget?: number | undefined;
  budgetDuration?: string | undefined;
}

function budget(scope: string, label: string, maxBudget: number, duration: string | undefined): ScopeBudget {
  return { scope, label, limitNano: toNano(maxBudget), duration: duration ?? '', spec: parseDuration(duration) };
}

/**
 * The budgets of a caller: its key's (from the key store), its user's, its team's (config) and the global one.
 * An invalid budget_duration on a key throws (the key's owner gets a readable 4xx from the caller).
 */
export function budgetsFor(holder: BudgetHolder, settings: BudgetSettings): ScopeBudget[] {
  const out: ScopeBudget[] = [];
  if (holder.keyId && typeof holder.maxBudget === 'number') out.push(budget(scopeName('key', holder.keyId), `key ${holder.alias || holder.keyId}`, holder.maxBudget, holder.budgetDuration));
  const user = holder.userId ? settings.users[holder.userId] : undefined;
  if (user) out.push(budget(scopeName('user', holder.userId), `user ${holder.userId}`, user.max_budget, user.budget_duration));
  const team = holder.teamId ? settings.teams[holder.teamId] : undefined;
  if (team) out.push(budget(scopeName('team', holder.teamId), `team ${holder.teamId}`, team.max_budget, team.budget_duration));
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
