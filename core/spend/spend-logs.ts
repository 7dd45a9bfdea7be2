// GET /spend/logs in LiteLLM's shapes: ledger entries as LiteLLM_SpendLogs rows (newest first, a bounded page), or,
// with a date range and summarize (LiteLLM's default), spend per day with its split by key, user and model.
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import { daysOf, type DayRange } from './dates.ts';
import { count, isoOf, nano, NanoSums, reportRows, usd, whereOf, type LedgerFilter } from './ledger-filter.ts';

export const MAX_PAGE_SIZE = 1_000;
export const DEFAULT_PAGE_SIZE = 100;
/** Pages reach this many rows deep at most (OFFSET costs a scan of everything before it). */
export const MAX_OFFSET = 100_000;

export interface SpendLogRow {
  request_id: string;
  /** Helix's key id (accepted wherever LiteLLM takes the hashed token). */
  api_key: string;
  call_type: string;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** The ledger's time of the charge (when the answer finished); Helix keeps one time per entry. */
  startTime: string;
  endTime: string;
  model: string;
  model_group: string;
  model_id: string;
  custom_llm_provider: string;
  api_base: string;
  user: string;
  team_id: string;
  end_user: string;
  request_tags: string[];
  cache_hit: 'True' | 'False';
  cache_key: null;
  status: 'success' | 'failure';
  requester_ip_address: null;
  metadata: Record<string, unknown>;
}

export interface SpendLogsPage {
  page: number;
  pageSize: number;
}

const ROW_COLUMNS = [
  'request_id', 'key_id', 'team_id', 'user_id', 'end_user', 'tags', 'endpoint', 'source', 'model', 'requested_model', 'provider',
  'deployment', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'price_source', 'ts',
  'toString(cost_usd) AS cost', 'toString(cache_saved_usd) AS cache_saved', 'toString(swap_saved_usd) AS swap_saved',
].join(', ');

export async function spendLogRows(reader: AnalyticsReader, filter: LedgerFilter, page: SpendLogsPage): Promise<SpendLogRow[]> {
  const { where, params } = whereOf(filter, 'raw');
  const result = await reader.query(`SELECT ${ROW_COLUMNS} FROM ledger_entries ${where} ORDER BY ts DESC, request_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`, {
    ...params,
    limit: String(page.pageSize),
    offset: String((page.page - 1) * page.pageSize),
  });
  return result.data.map(logRowOf);
}

function logRowOf(r: Record<string, unknown>): SpendLogRow {
  const prompt = count(r.prompt_tokens);
  const completion = count(r.completion_tokens);
  const model = String(r.model);
  return {
    request_id: String(r.request_id),
    api_key: String(r.key_id),
    call_type: String(r.endpoint),
    spend: usd(r.cost),
    total_tokens: prompt + completion,
    prompt_tokens: prompt,
    completion_tokens: completion,
    startTime: isoOf(r.ts),
    endTime: isoOf(r.ts),
    model,
    model_group: model,
    model_id: String(r.deployment),
    custom_llm_provider: String(r.provider),
    api_base: '',
    user: String(r.user_id),
    team_id: String(r.team_id),
    end_user: String(r.end_user),
    request_tags: (r.tags as string[] | undefined) ?? [],
    cache_hit: r.source === 'cache' ? 'True' : 'False',
    cache_key: null,
    status: r.source === 'error' ? 'failure' : 'success',
    requester_ip_address: null,
    metadata: {
      requested_model: String(r.requested_model),
      cached_tokens: count(r.cached_tokens),
      cache_saved_usd: usd(r.cache_saved),
      swap_saved_usd: usd(r.swap_saved),
      price_source: String(r.price_source),
    },
  };
}

/** One day of LiteLLM's summarized /spend/logs: total, per user, per model, and per key as `<key id>: spend`. */
export interface SpendLogDay {
  startTime: string;
  spend: number;
  users: Record<string, number>;
  models: Record<string, number>;
  [keyId: string]: number | string | Record<string, number>;
}

const DAY_FIELDS = new Set(['startTime', 'spend', 'users', 'models']);

export async function spendLogSummary(reader: AnalyticsReader, filter: LedgerFilter & { range: DayRange }): Promise<SpendLogDay[]> {
  const { where, params } = whereOf(filter, 'raw');
  const data = await reportRows(
    reader,
    `SELECT toString(toDate(ts)) AS day, key_id, user_id, model, toString(sum(cost_usd)) AS cost FROM ledger_entries ${where} GROUP BY day, key_id, user_id, model ORDER BY day`,
    params,
  );
  const days = new Map(daysOf(filter.range).map((d) => [d, { total: new NanoSums(), keys: new NanoSums(), users: new NanoSums(), models: new NanoSums() }]));
  for (const r of data) {
    const day = days.get(String(r.day));
    if (!day) continue;
    const cost = nano(r.cost);
    day.total.add('', cost);
    day.keys.add(String(r.key_id), cost);
    day.users.add(String(r.user_id), cost);
    day.models.add(String(r.model), cost);
  }
  return [...days].map(([startTime, d]) => {
    // A key id never shadows the day's own fields.
    const keys = Object.fromEntries(Object.entries(d.keys.usd()).filter(([k]) => !DAY_FIELDS.has(k)));
    return { startTime, spend: d.total.usd()[''] ?? 0, ...keys, users: d.users.usd(), models: d.models.usd() };
  });
}
