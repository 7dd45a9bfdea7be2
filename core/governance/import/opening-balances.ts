// Spend to date from LiteLLM → Helix's ledger, as opening-balance entries (pure: no I/O). Each entry is a ledger
// entry like a request's — attributed to a key/user/team, an end user or a tag, naming the Redis spend counters it
// adds to — so the budgets (Redis counters), the /…/info routes (ClickHouse rollups of ledger_entries) and a ledger
// replay all see the same money. docs/import-litellm.md explains the split:
//
//   key, current   the key's `spend` (its current LiteLLM budget period), attributed to key + user + team, counted
//                  in their counters and the global one: what a request of that key would have been
//   key, earlier   total_spend − spend: the key's lifetime before its current period; ClickHouse only (no counter)
//   team / user    LiteLLM's figure minus what the team's / user's keys brought (a difference: may be negative)
//   end user, tag  LiteLLM's figure, on its own (a request's end user and tags ride on its key's entry; LiteLLM's
//                  separate totals cannot be split back onto keys)
//
// Each slot remembers what it booked (the caller keeps that); a run books only the change since the last one, under
// an id derived from the slot and both amounts, so a repeated or interrupted run never counts anything twice.
import { derivedId, newEvent, type Envelope, type EventSubject } from '../../events/envelope.ts';
import { usdFromNano } from '../../money.ts';
import { DEFAULT_SPECS, counterTtlSeconds, parseDuration, periodAt, specName, type PeriodSpec } from '../../budgets/periods.ts';
import { budgetScopes, GLOBAL_SCOPE, scopeName } from '../../budgets/scopes.ts';
import { counterName, type BookingInput, type CounterRef } from '../../budgets/store.ts';
import type { LedgerEntry } from '../../../schemas/events/ledger.ts';
import type { ImportPlan } from './mapping.ts';

/** One opening balance: what it is, how much in total, who it is attributed to and which scopes count it. */
export interface BalanceSlot {
  /** Stable name, e.g. `key:key_abc:current`, `team:t1`; the import state is kept per slot. */
  id: string;
  amountNano: number;
  subject: EventSubject & { end_user?: string; tags?: string[] };
  /** Scopes whose counters (daily, weekly, monthly and the budget's period) it adds to. */
  scopes: string[];
}

/** An imported key as the key store has it (its Helix id and budget). */
export interface ImportedKeyRef {
  key_id: string;
  user_id?: string | undefined;
  team_id?: string | undefined;
  max_budget?: number | undefined;
  budget_duration?: string | undefined;
}

const subjectOf = (s: Partial<EventSubject>): EventSubject => ({ request_id: '', key_id: s.key_id ?? '', user_id: s.user_id ?? '', team_id: s.team_id ?? '' });

/** The slots of a plan. `keys` maps a key hash to the imported key (keys missing from it — skipped or failed — are left out). */
export function balanceSlots(plan: ImportPlan, keys: ReadonlyMap<string, ImportedKeyRef>): BalanceSlot[] {
  const slots: BalanceSlot[] = [];
  const fromKeys = new Map<string, number>();
  const addTo = (scope: string, nano: number) => fromKeys.set(scope, (fromKeys.get(scope) ?? 0) + nano);
  for (const f of plan.spend) {
    if (f.kind !== 'key') continue;
    const key = keys.get(f.id);
    if (!key) continue;
    const tenant = { keyId: key.key_id, userId: key.user_id ?? '', teamId: key.team_id ?? '' };
    slots.push({ id: `key:${key.key_id}:current`, amountNano: f.currentNano, subject: subjectOf({ key_id: key.key_id, user_id: key.user_id, team_id: key.team_id }), scopes: budgetScopes(tenant) });
    slots.push({ id: `key:${key.key_id}:earlier`, amountNano: f.earlierNano, subject: subjectOf({ key_id: key.key_id }), scopes: [] });
    if (key.user_id) addTo(scopeName('user', key.user_id), f.currentNano);
    if (key.team_id) addTo(scopeName('team', key.team_id), f.currentNano);
  }
  for (const f of plan.spend) {
    if (f.kind === 'key') continue;
    const scope = scopeName(f.kind, f.id);
    if (f.kind === 'team' || f.kind === 'user') {
      slots.push({ id: scope, amountNano: f.currentNano - (fromKeys.get(scope) ?? 0), subject: subjectOf({ [`${f.kind}_id`]: f.id }), scopes: [scope] });
    } else if (f.kind === 'customer') {
      slots.push({ id: scope, amountNano: f.currentNano, subject: { ...subjectOf({}), end_user: f.id }, scopes: [scope] });
    } else {
      slots.push({ id: scope, amountNano: f.currentNano, subject: { ...subjectOf({}), tags: [f.id] }, scopes: [scope] });
    }
  }
  return slots;
}

/** Budget periods by scope: the imported keys' and entities' budgets, and the global one from config. */
export function budgetPeriods(plan: ImportPlan, keys: Iterable<ImportedKeyRef>, global?: { budget_duration?: string | undefined }): Map<string, PeriodSpec> {
  const out = new Map<string, PeriodSpec>();
  const add = (scope: string, b: { max_budget?: number | undefined; budget_duration?: string | undefined }) => {
    if (typeof b.max_budget !== 'number') return;
    try {
      out.set(scope, parseDuration(b.budget_duration));
    } catch {
      // an unreadable period counts in the default periods only
    }
  };
  for (const k of keys) add(scopeName('key', k.key_id), k);
  for (const e of plan.entities) add(scopeName(e.kind, e.id), e);
  if (global) out.set(GLOBAL_SCOPE, parseDuration(global.budget_duration));
  return out;
}

/** The counters an amount booked at `nowMs` adds to: per scope its daily, weekly, monthly and budget period. */
export function countersAt(scopes: string[], periods: ReadonlyMap<string, PeriodSpec>, nowMs: number): CounterRef[] {
  const out: CounterRef[] = [];
  for (const scope of scopes) {
    const specs = [...DEFAULT_SPECS];
    const own = periods.get(scope);
    if (own && !specs.some((s) => specName(s) === specName(own))) specs.push(own);
    for (const spec of specs) {
      const period = periodAt(spec, nowMs);
      out.push({ scope, periodId: period.id, ttlSeconds: counterTtlSeconds(period, nowMs) });
    }
  }
  return out;
}

type Entry = Omit<LedgerEntry, keyof Envelope>;

export interface BalanceChange {
  slot: BalanceSlot;
  /** What the slot had booked before this run and should have after it (nano-USD). */
  beforeNano: number;
  afterNano: number;
  entry: LedgerEntry;
  booking: BookingInput;
}

/** The entries that bring each slot from what it booked (`booked`, by slot id) to its amount now; unchanged slots give none. */
export function balanceChanges(slots: BalanceSlot[], booked: ReadonlyMap<string, number>, periods: ReadonlyMap<string, PeriodSpec>, nowMs: number): BalanceChange[] {
  const ts = new Date(nowMs).toISOString();
  const changes: BalanceChange[] = [];
  for (const slot of slots) {
    const beforeNano = booked.get(slot.id) ?? 0;
    const delta = slot.amountNano - beforeNano;
    if (delta === 0) continue;
    const sourceId = derivedId('litellm-import', slot.id, String(beforeNano), String(slot.amountNano));
    const counters = countersAt(slot.scopes, periods, nowMs);
    // The entry's request id names the figure it books (`litellm:team:t1`), for whoever reads ledger_entries.
    const { end_user, tags, ...subject } = { ...slot.subject, request_id: `litellm:${slot.id}` };
    const fields: Entry = {
      source_event_id: sourceId,
      source: 'import',
      model: '',
      provider: '',
      deployment: '',
      requested_model: '',
      endpoint: '',
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: usdFromNano(delta),
      input_cost_usd: 0,
      output_cost_usd: 0,
      cache_saved_usd: 0,
      swap_saved_usd: 0,
      price_source: 'litellm',
      counters: counters.map((c) => counterName(c.scope, c.periodId)),
      ...(end_user ? { end_user } : {}),
      ...(tags ? { tags } : {}),
    };
    const entry = newEvent<LedgerEntry>('ledger', subject, fields, { id: derivedId('ledger', sourceId), ts });
    changes.push({ slot, beforeNano, afterNano: slot.amountNano, entry, booking: { eventId: sourceId, amountNano: delta, pendingScopes: [], counters } });
  }
  return changes;
}
