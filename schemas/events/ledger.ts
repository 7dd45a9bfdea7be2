// The spend ledger's events. `ledger` (topic helix.ledger → ClickHouse `ledger_entries`): one entry per charged
// request (and per cache hit, with what it saved), written by the ledger consumer group — the replayable record of
// every dollar; its `counters` name the Redis spend counters the entry was added to, so a replay rebuilds them
// exactly. `budget_alert` (topic helix.budget-alerts → ClickHouse `budget_alerts`): a budget crossed a threshold.
// Same conventions as schemas/events.ts: the versioned envelope and a `ch` ClickHouse column type per field.
import { Type, type Static } from '@sinclair/typebox';
import { col, eventHead, f64, lc, routing, str, typeTag, u32, usd } from '../columns.ts';
import { attribution } from './attribution.ts';

const uuid = () => col(Type.String({ format: 'uuid' }), 'UUID');

export const LedgerEntry = Type.Object({
  ...eventHead(typeTag('ledger')),
  /** The response / error / cache event this entry was made from (its booking is idempotent by this id). */
  source_event_id: uuid(),
  /** response | error | cache */
  source: lc(),
  ...routing,
  /** The model the client asked for (differs from `model` when the optimizer swapped it). */
  requested_model: lc(),
  endpoint: lc(),
  prompt_tokens: u32(),
  completion_tokens: u32(),
  cached_tokens: u32(),
  cost_usd: usd(),
  input_cost_usd: usd(),
  output_cost_usd: usd(),
  /** A cache hit: what the answer would have cost upstream. */
  cache_saved_usd: usd(),
  /** A swapped request: cost on the requested model minus the actual cost. */
  swap_saved_usd: usd(),
  /** config | genai-prices | config+genai-prices | unpriced */
  price_source: lc(),
  /** Spend counters the cost was added to: `<scope>|<period>` (e.g. `key:key_1|d1@20419`). */
  counters: col(Type.Array(Type.String()), 'Array(String)'),
  /** The request's end user and tags (their spend counters are among `counters`). */
  ...attribution,
});

export const BudgetAlert = Type.Object({
  ...eventHead(typeTag('budget_alert')),
  /** key:<id> | user:<id> | team:<id> | customer:<end user> | tag:<name> | global */
  scope: str(),
  scope_kind: lc(),
  label: str(),
  /** The budget_duration ('' = lifetime) and the period it crossed in. */
  duration: lc(),
  period: str(),
  period_start: col(Type.String(), "DateTime64(3, 'UTC')"),
  /** Fraction of the budget crossed (0.5, 0.8, 1 …). */
  threshold: f64(),
  /** warning (< 1) | exceeded (≥ 1) */
  severity: lc(),
  limit_usd: usd(),
  spent_usd: usd(),
  /** The ledger entry whose cost crossed it. */
  trigger_event_id: uuid(),
});

export type LedgerEntry = Static<typeof LedgerEntry>;
export type BudgetAlert = Static<typeof BudgetAlert>;
