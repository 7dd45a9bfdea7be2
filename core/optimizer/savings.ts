// The savings report, from the ledger: what was spent, what cache hits saved (the upstream cost of the answers they
// served) and what model swaps saved (cost on the requested model minus the actual cost), over a window.
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import { sqlString } from '../../clickhouse/sql-literal.ts';

export interface SavingsQuery {
  days: number;
  key?: string | undefined;
  team?: string | undefined;
}

export interface SavingsReport {
  window_days: number;
  spend_usd: number;
  cache_savings_usd: number;
  swap_savings_usd: number;
  total_savings_usd: number;
  /** Saved ÷ (spent + saved): the share of the would-be cost that was avoided. */
  savings_rate: number;
  requests: number;
  cache_hits: number;
  swapped_requests: number;
}

const num = (v: unknown) => Number(v ?? 0) || 0;

export async function savingsReport(reader: AnalyticsReader, database: string, q: SavingsQuery): Promise<SavingsReport> {
  const where = [`ts >= now64(3) - INTERVAL ${Math.max(1, Math.floor(q.days))} DAY`];
  if (q.key) where.push(`key_id = ${sqlString(q.key)}`);
  if (q.team) where.push(`team_id = ${sqlString(q.team)}`);
  const rs = await reader.query(`
    SELECT toString(sum(cost_usd)) AS spend, toString(sum(cache_saved_usd)) AS cache_saved, toString(sum(swap_saved_usd)) AS swap_saved,
      countIf(source != 'cache') AS requests, countIf(source = 'cache') AS cache_hits, countIf(source != 'cache' AND requested_model != model) AS swapped
    FROM ${database}.ledger_entries FINAL
    WHERE ${where.join(' AND ')}`);
  const r = rs.data[0] ?? {};
  const spend = num(r.spend);
  const cache = num(r.cache_saved);
  const swap = num(r.swap_saved);
  const saved = cache + swap;
  return {
    window_days: q.days,
    spend_usd: spend,
    cache_savings_usd: cache,
    swap_savings_usd: swap,
    total_savings_usd: Math.round(saved * 1e9) / 1e9,
    savings_rate: spend + saved > 0 ? Math.round((saved / (spend + saved)) * 10_000) / 10_000 : 0,
    requests: num(r.requests),
    cache_hits: num(r.cache_hits),
    swapped_requests: num(r.swapped),
  };
}
