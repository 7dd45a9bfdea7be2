// Completed-request events → ledger bookings (pure: no I/O). A response or error event is charged what its usage
// cost on the deployment that served it; a cache hit is charged 0 and records what it saved. The entry's id is
// derived from the source event's id, so a redelivered event yields the very same entry.
import type { ResponseEvent } from '../../schemas/events.ts';
import type { CacheEvent } from '../../schemas/events/cache.ts';
import { derivedId, newEvent, type Envelope, type EventSubject } from '../../core/events/envelope.ts';
import type { LedgerEntry } from '../../schemas/events/ledger.ts';
import type { PriceBook } from '../../core/prices.ts';
import { usdFromNano } from '../../core/money.ts';
import { chargeOf, isCacheHit, type ChargeableEvent } from '../../core/budgets/charge.ts';
import { DEFAULT_SPECS, counterTtlSeconds, periodAt, specName, type PeriodSpec } from '../../core/budgets/periods.ts';
import { spendScopes, type ScopeBudget, type Tenant } from '../../core/budgets/scopes.ts';
import type { CounterRef } from '../../core/budgets/store.ts';

export type LedgerInput = { kind: 'response'; event: ResponseEvent & ChargeableEvent } | { kind: 'cache'; event: CacheEvent };

export interface Booking {
  /** The entry without `counters` (known once booked). */
  entry: Entry;
  amountNano: number;
  tenant: Tenant & { model: string };
  tsMs: number;
}

type Entry = Omit<LedgerEntry, 'counters'>;

/** A ledger entry has its source event's subject and time, and an id derived from the source's (replays match). */
function entryOf(source: EventSubject & { event_id: string; ts: string }, fields: Omit<Entry, keyof Envelope>): Entry {
  return newEvent<Entry>('ledger', source, fields, { id: derivedId('ledger', source.event_id), ts: source.ts });
}

type Attributed = { key_id: string; user_id: string; team_id: string; end_user?: string | undefined; tags?: string[] | undefined };

const tenantOf = (e: Attributed, model: string) => ({ keyId: e.key_id, userId: e.user_id, teamId: e.team_id, endUser: e.end_user ?? '', tags: e.tags ?? [], model });

/** The entry's end user and tags: the source event's. */
const attributionOf = (e: Attributed) => ({ end_user: e.end_user ?? '', tags: e.tags ?? [] });

function responseBooking(e: ResponseEvent & ChargeableEvent, prices: PriceBook): Booking | undefined {
  // Cache hits are booked from their cache event (which knows the saving); errors only when tokens were used.
  if (isCacheHit(e.cache)) return undefined;
  if (e.type === 'error' && e.prompt_tokens + e.completion_tokens === 0) return undefined;
  const { cost, swapSavedNano, requestedModel } = chargeOf(prices, e);
  return {
    entry: entryOf(e, {
      source_event_id: e.event_id,
      source: e.type,
      model: e.model,
      provider: e.provider,
      deployment: e.deployment,
      requested_model: requestedModel,
      endpoint: e.endpoint,
      prompt_tokens: e.prompt_tokens,
      completion_tokens: e.completion_tokens,
      cached_tokens: e.cached_tokens ?? 0,
      cost_usd: usdFromNano(cost.costNano),
      input_cost_usd: usdFromNano(cost.inputNano),
      output_cost_usd: usdFromNano(cost.outputNano),
      cache_saved_usd: 0,
      swap_saved_usd: usdFromNano(swapSavedNano),
      price_source: cost.source,
      ...attributionOf(e),
    }),
    amountNano: cost.costNano,
    tenant: tenantOf(e, e.model),
    tsMs: Date.parse(e.ts),
  };
}

function cacheBooking(e: CacheEvent, prices: PriceBook): Booking {
  // Priced here (the money authority) from the tokens the hit saved, on the model the client asked for.
  const saved = prices.costOfModel(e.model, { prompt_tokens: e.saved_prompt_tokens, completion_tokens: e.saved_completion_tokens }, new Date(e.ts));
  return {
    entry: entryOf(e, {
      source_event_id: e.event_id,
      source: 'cache',
      model: e.model,
      provider: '',
      deployment: '',
      requested_model: e.model,
      endpoint: '',
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: 0,
      input_cost_usd: 0,
      output_cost_usd: 0,
      cache_saved_usd: usdFromNano(saved.costNano),
      swap_saved_usd: 0,
      price_source: saved.source,
      ...attributionOf(e),
    }),
    amountNano: 0,
    tenant: tenantOf(e, e.model),
    tsMs: Date.parse(e.ts),
  };
}

export function bookingOf(input: LedgerInput, prices: PriceBook): Booking | undefined {
  return input.kind === 'response' ? responseBooking(input.event, prices) : cacheBooking(input.event, prices);
}

/**
 * The spend counters a booking adds to: for every scope (key, user, team, customer, tags, global, model) its daily,
 * weekly and monthly
 * period, plus the period of the scope's budget when it has one with another duration. The budget's own counter
 * carries the alert marks (threshold × limit).
 */
export function countersOf(b: Booking, budgets: ReadonlyMap<string, ScopeBudget>, thresholds: number[], nowMs = Date.now()): CounterRef[] {
  if (b.amountNano === 0) return [];
  // Periods depend on the spec and the event time only: computed once per spec, shared by every scope.
  const periods = new Map<string, { id: string; ttl: number }>();
  const periodOf = (spec: PeriodSpec) => {
    const name = specName(spec);
    let p = periods.get(name);
    if (!p) {
      const period = periodAt(spec, b.tsMs);
      periods.set(name, (p = { id: period.id, ttl: counterTtlSeconds(period, nowMs) }));
    }
    return p;
  };
  const defaults = DEFAULT_SPECS.map(periodOf);
  const out: CounterRef[] = [];
  for (const scope of spendScopes(b.tenant)) {
    for (const p of defaults) out.push({ scope, periodId: p.id, ttlSeconds: p.ttl });
    const budget = budgets.get(scope);
    if (!budget) continue;
    const own = periodOf(budget.spec);
    const marks = thresholds.length ? thresholds.map((t) => t * budget.limitNano) : undefined;
    const existing = out.find((c) => c.scope === scope && c.periodId === own.id);
    if (existing) {
      if (marks) existing.marks = marks;
    } else out.push({ scope, periodId: own.id, ttlSeconds: own.ttl, ...(marks ? { marks } : {}) });
  }
  return out;
}
