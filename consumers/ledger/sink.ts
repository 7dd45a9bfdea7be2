// The ledger sink: completed-request events (topic responses) and cache hits (topic cache) → bookings in Redis
// (spend counters per key, user, team, customer (end user), tag, model and global, per period; idempotent by event
// id, in one Lua call with dropping the gateway's pending charge) → ledger entries and budget alerts published to
// Kafka. Offsets are committed only after the publish, and a redelivered event re-publishes the identical entry
// (see store.ts APPLY), so nothing is lost or charged twice. An event no ledger entry could be made of is
// dead-lettered (lib/consume/).
import type { KafkaMessage } from 'kafkajs';
import { decodeEvent } from '../../lib/consume/decode.ts';
import { columnLimitError } from '../../clickhouse/column-limits.ts';
import type { BudgetAlert, LedgerEntry } from '../../schemas/events/ledger.ts';
import type { BudgetSettings, CostOptimizationSettings } from '../../schemas/config/budgets.ts';
import type { PriceBook } from '../../core/prices.ts';
import { counterName, type BudgetStore } from '../../core/budgets/store.ts';
import { budgetScopes, configBudgets, GLOBAL_SCOPE, registeredBudget, type ScopeBudget } from '../../core/budgets/scopes.ts';
import type { DecodedMessage, Sink } from '../../lib/consume/sink.ts';
import { bookingOf, countersOf, type Booking, type LedgerInput } from './entries.ts';
import { alertsOf } from './alerts.ts';

export interface LedgerSinkDeps {
  store: BudgetStore;
  prices: PriceBook;
  budgets: BudgetSettings;
  alerts: CostOptimizationSettings['budget_alerts'];
  /** Publishes entries (topic ledger) and alerts (topic budgetAlerts); resolves once Kafka acknowledged them. */
  publish(entries: LedgerEntry[], alerts: BudgetAlert[]): Promise<void>;
}

/** Decoded message: a booking source, or null for events the ledger ignores (requests, other types). */
export type LedgerMessage = LedgerInput | null;

export function decodeLedgerInput(message: KafkaMessage): { ok: true; value: LedgerMessage } | { ok: false; reason: string } {
  const result = decodeEvent(message);
  if (!result.ok) return result;
  const e = result.value;
  // A booking from a count no column can hold (2^33 tokens) would charge a budget for an event ClickHouse refuses.
  if (e.type === 'response' || e.type === 'error' || e.type === 'cache') {
    const problem = columnLimitError(e);
    if (problem) return { ok: false, reason: problem };
  }
  if (e.type === 'response' || e.type === 'error') return { ok: true, value: { kind: 'response', event: e } };
  if (e.type === 'cache') return { ok: true, value: { kind: 'cache', event: e } };
  return { ok: true, value: null };
}

export function ledgerSink(deps: LedgerSinkDeps): Sink<LedgerMessage> {
  const fromConfig = configBudgets(deps.budgets);
  const thresholds = deps.alerts.enabled ? deps.alerts.thresholds : [];

  /**
   * Budgets of the batch's scopes: what gateways registered when they reserved (keys, customers, tags, and teams and
   * users whether their budget is a record's or config's), else config for teams, users and global.
   */
  async function budgetsFor(bookings: Booking[]): Promise<Map<string, ScopeBudget>> {
    const scopes = [...new Set(bookings.flatMap((b) => budgetScopes(b.tenant)).filter((s) => s !== GLOBAL_SCOPE))];
    const registered = await deps.store.registered(scopes);
    const out = new Map(fromConfig);
    for (const [scope, fields] of registered) {
      const b = registeredBudget(scope, fields);
      if (b) out.set(scope, b);
    }
    return out;
  }

  return {
    decode: (message) => decodeLedgerInput(message),

    async write(batch: Array<DecodedMessage<LedgerMessage>>) {
      const bookings = batch.flatMap((m) => {
        const b = m.value ? bookingOf(m.value, deps.prices) : undefined;
        return b ? [b] : [];
      });
      if (bookings.length === 0) return;
      const budgets = await budgetsFor(bookings);
      const now = Date.now();
      const inputs = bookings.map((b) => ({
        eventId: b.entry.source_event_id,
        amountNano: b.amountNano,
        // Only budgeted scopes can hold a pending charge (gateways reserve on those alone).
        pendingScopes: budgetScopes(b.tenant).filter((s) => budgets.has(s)),
        counters: countersOf(b, budgets, thresholds, now),
      }));
      const results = await deps.store.book(inputs, deps.budgets.dedupe_ttl_seconds);
      const entries: LedgerEntry[] = bookings.map((b, i) => ({ ...b.entry, counters: inputs[i]!.counters.map((c) => counterName(c.scope, c.periodId)) }));
      const alerts: BudgetAlert[] = bookings.flatMap((b, i) => alertsOf({ booking: b, crossings: results[i]!.crossings, budgets, thresholds }));
      await deps.publish(entries, alerts);
    },
  };
}
