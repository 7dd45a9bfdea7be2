// LiteLLM's spend leaderboards from the ledger: /spend/tags, /global/spend/tags, /global/spend/keys, /teams, /models
// (last 30 days, as LiteLLM's views) and /global/spend/end_users. Daily rollups where days suffice; the raw ledger
// where LiteLLM takes timestamps.
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import { usdFromNano } from '../money.ts';
import { daysOf, lastDays, type DayRange } from './dates.ts';
import { count, nano, reportRows, usd, whereOf, type LedgerFilter } from './ledger-filter.ts';

/** LiteLLM's leaderboards look back this far. */
export const LEADERBOARD_DAYS = 30;
/** The most rows one leaderboard returns. */
export const MAX_RANKED = 1_000;

const limited = (sql: string, limit: number) => `${sql} LIMIT ${Math.max(1, Math.min(MAX_RANKED, Math.floor(limit)))}`;

export interface TagSpend {
  individual_request_tag: string;
  log_count: number;
  total_spend: number;
}

/** Spend per request tag (a request with several tags counts in each). `tags`: only these. */
export async function spendByTag(reader: AnalyticsReader, range: DayRange | undefined, tags?: string[]): Promise<TagSpend[]> {
  const { where, params } = whereOf({ range }, 'daily');
  const only = (tags ?? []).map((t, i) => [`t${i}`, t] as const);
  const clauses = [where || 'WHERE 1', "tag != ''", ...(only.length ? [`tag IN (${only.map(([n]) => `{${n}:String}`).join(', ')})`] : [])];
  const result = await reader.query(
    limited(`SELECT tag, sum(requests) + sum(cache_hits) AS n, toString(sum(cost_usd)) AS cost FROM spend_tag_1d ${clauses.join(' AND ')} GROUP BY tag ORDER BY sum(cost_usd) DESC, tag`, MAX_RANKED),
    { ...params, ...Object.fromEntries(only) },
  );
  return result.data.map((r) => ({ individual_request_tag: String(r.tag), log_count: count(r.n), total_spend: usd(r.cost) }));
}

export interface KeyRank {
  api_key: string;
  total_spend: number;
}

/** The keys that spent most over the last 30 days. */
export async function topKeys(reader: AnalyticsReader, limit: number, nowMs = Date.now()): Promise<KeyRank[]> {
  const { where, params } = whereOf({ range: lastDays(LEADERBOARD_DAYS, nowMs) }, 'daily');
  const result = await reader.query(limited(`SELECT key_id, toString(sum(cost_usd)) AS cost FROM spend_1d ${where} GROUP BY key_id ORDER BY sum(cost_usd) DESC, key_id`, limit), params);
  return result.data.map((r) => ({ api_key: String(r.key_id), total_spend: usd(r.cost) }));
}

/** The models that cost most over the last 30 days. */
export async function topModels(reader: AnalyticsReader, limit: number, nowMs = Date.now()): Promise<Array<{ model: string; total_spend: number }>> {
  const { where, params } = whereOf({ range: lastDays(LEADERBOARD_DAYS, nowMs) }, 'daily');
  const result = await reader.query(limited(`SELECT model, toString(sum(cost_usd)) AS cost FROM spend_1d ${where} AND model != '' GROUP BY model ORDER BY sum(cost_usd) DESC, model`, limit), params);
  return result.data.map((r) => ({ model: String(r.model), total_spend: usd(r.cost) }));
}

export interface TeamsSpend {
  daily_spend: Array<Record<string, string | number>>;
  teams: string[];
  total_spend_per_team: Array<{ team_id: string; total_spend: number }>;
}

/** Spend per team and day over the last 30 days (LiteLLM's /global/spend/teams; no team = "Unassigned"). */
export async function teamsByDay(reader: AnalyticsReader, nowMs = Date.now()): Promise<TeamsSpend> {
  const range = lastDays(LEADERBOARD_DAYS, nowMs);
  const { where, params } = whereOf({ range }, 'daily');
  const data = await reportRows(reader, `SELECT toString(day) AS d, team_id, toString(sum(cost_usd)) AS cost FROM spend_1d ${where} GROUP BY d, team_id ORDER BY d, team_id`, params);
  const days = new Map<string, Record<string, string | number>>();
  const totals = new Map<string, number>();
  for (const r of data) {
    const team = String(r.team_id) || 'Unassigned';
    const day = days.get(String(r.d)) ?? days.set(String(r.d), { date: String(r.d) }).get(String(r.d))!;
    day[team] = usd(r.cost);
    totals.set(team, (totals.get(team) ?? 0) + nano(r.cost));
  }
  const ranked = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 10);
  return {
    daily_spend: daysOf(range)
      .map((d) => days.get(d))
      .filter((d) => d !== undefined),
    teams: [...totals.keys()],
    total_spend_per_team: ranked.map(([team_id, n]) => ({ team_id, total_spend: usdFromNano(n) })),
  };
}

export interface EndUserSpend {
  end_user: string;
  total_count: number;
  total_spend: number;
}

/** The end users that spent most in [from, to) (default: the last 30 days), optionally through one key. */
export async function topEndUsers(reader: AnalyticsReader, filter: Pick<LedgerFilter, 'keyId' | 'fromTs' | 'toTs' | 'range'>, limit = 100): Promise<EndUserSpend[]> {
  const { where, params } = whereOf(filter, 'raw');
  const result = await reader.query(
    limited(`SELECT end_user, count() AS n, toString(sum(cost_usd)) AS cost FROM ledger_entries ${where || 'WHERE 1'} AND end_user != '' GROUP BY end_user ORDER BY sum(cost_usd) DESC, end_user`, limit),
    params,
  );
  return result.data.map((r) => ({ end_user: String(r.end_user), total_count: count(r.n), total_spend: usd(r.cost) }));
}
