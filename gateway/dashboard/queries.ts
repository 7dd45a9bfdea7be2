// The dashboard's reads: fixed, named queries over the documented SQL views (docs/sql.md), each value a bound
// parameter. The browser names a query and a range from the lists below; it never sends SQL.
import { bucket, inRange } from './query-clauses.ts';
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import type { QueryParams } from '../../clickhouse/sql-guard.ts';
import { GatewayError } from '../errors.ts';
import { requestsQueries } from './queries-requests.ts';
import { CACHE_QUERIES } from './queries-cache.ts';
import { PII_QUERIES } from './queries-pii.ts';
import { ANOMALY_QUERIES } from './queries-anomalies.ts';
import { SPEND_QUERIES } from './queries-spend.ts';
import { TEAM_QUERIES } from './queries-teams.ts';

/** The ranges the UI offers, with the bucket width of their charts (about 60–170 points each). */
export const RANGES = {
  '1h': { seconds: 3_600, step: 60 },
  '6h': { seconds: 21_600, step: 300 },
  '24h': { seconds: 86_400, step: 900 },
  '7d': { seconds: 604_800, step: 3_600 },
  '30d': { seconds: 2_592_000, step: 21_600 },
} as const;
export type RangeId = keyof typeof RANGES;
export const isRangeId = (v: unknown): v is RangeId => typeof v === 'string' && Object.hasOwn(RANGES, v);


/** Each query's SQL; `t` (unix seconds) is the bucket of the series queries. Unqualified names are the helix database. */
const QUERIES = {
  ...CACHE_QUERIES,
  /** Requests, errors and cache hits per bucket (v_usage_1m). */
  traffic: `SELECT ${bucket}, sum(requests) AS requests, sum(errors) AS errors, sum(exact_hits) + sum(semantic_hits) AS cache_hits
    FROM v_usage_1m WHERE ${inRange} GROUP BY t ORDER BY t`,
  /** Latency and gateway-overhead percentiles per bucket, merged from the rollup's t-digests (usage_1m). */
  latency: `SELECT t, q[1] AS p50_ms, q[3] AS p95_ms, o[1] AS overhead_p50_ms, o[3] AS overhead_p95_ms FROM (
      SELECT ${bucket}, quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms) AS q, quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(overhead_ms) AS o
      FROM usage_1m WHERE ${inRange} GROUP BY t) ORDER BY t`,
  /** Spend and the savings (cache hits, model swaps) per bucket, from the ledger (v_spend_1m). */
  spend: `SELECT ${bucket}, sum(cost_usd) AS spend_usd, sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
    FROM v_spend_1m WHERE ${inRange} GROUP BY t ORDER BY t`,
  /** The range's totals, one row. */
  totals: `SELECT
      (SELECT sum(requests) FROM v_usage_1m WHERE ${inRange}) AS requests,
      (SELECT sum(errors) FROM v_usage_1m WHERE ${inRange}) AS errors,
      (SELECT sum(exact_hits) + sum(semantic_hits) FROM v_usage_1m WHERE ${inRange}) AS cache_hits,
      (SELECT quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms) FROM usage_1m WHERE ${inRange}) AS q,
      (SELECT quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(overhead_ms) FROM usage_1m WHERE ${inRange}) AS o,
      q[1] AS p50_ms, q[3] AS p95_ms, o[3] AS overhead_p95_ms,
      (SELECT sum(cost_usd) FROM v_spend_1m WHERE ${inRange}) AS spend_usd,
      (SELECT sum(cache_saved_usd) FROM v_spend_1m WHERE ${inRange}) AS cache_saved_usd,
      (SELECT sum(swap_saved_usd) FROM v_spend_1m WHERE ${inRange}) AS swap_saved_usd`,
  /** Spend to date per key over the range (v_spend_daily), for the Keys page. */
  key_spend: `SELECT key_id, sum(cost_usd) AS spend_usd, sum(requests) AS requests
    FROM v_spend_daily WHERE day >= toDate(now() - toIntervalSecond({range:UInt32})) GROUP BY key_id`,
  ...PII_QUERIES,
  ...requestsQueries,
  ...ANOMALY_QUERIES,
  ...SPEND_QUERIES,
  ...TEAM_QUERIES,
} as const;
export type QueryName = keyof typeof QUERIES;
export const isQueryName = (v: unknown): v is QueryName => typeof v === 'string' && Object.hasOwn(QUERIES, v);

export type Row = Record<string, number | string>;

/** Column types answered as text: ids, names, times, fingerprints (a digits-only id must not become a number). */
const TEXT_TYPE = /^(Nullable\(|LowCardinality\()*(String|FixedString|UUID|Date|DateTime|Enum|IPv)/;

/** ClickHouse answers 64-bit integers and decimals as strings in JSON: numbers for the charts, text columns stay strings. */
function numeric(row: Record<string, unknown>, text: ReadonlySet<string>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (Array.isArray(v)) continue; // the percentile arrays are read through their named elements
    if (text.has(k)) out[k] = String(v ?? '');
    else {
      const n = Number(v ?? 0); // an empty range's percentile is NaN (null in JSON): shown as 0
      out[k] = Number.isFinite(n) ? n : 0;
    }
  }
  return out;
}

/** What a query may take besides the range, from the query string, each bounded; absent: '' and page 0. */
export interface QueryFilter {
  /** A search value a query compares with its ids, names or status (`{q:String}`). */
  q?: string;
  /** The page of a paged query, from 0 (`{page:UInt32}`). */
  page?: number;
}
const FILTER_MAX_CHARS = 200;
const PAGE_MAX = 200;

/** Reads `q` and `page` from a query string; a bad value is a 400 naming it. */
export function queryFilter(query: { q?: unknown; page?: unknown }): QueryFilter {
  const filter: QueryFilter = {};
  if (query.q !== undefined) {
    if (typeof query.q !== 'string' || query.q.length > FILTER_MAX_CHARS) throw new GatewayError('invalid_request', `q must be one text of at most ${FILTER_MAX_CHARS} characters.`, { param: 'q' });
    filter.q = query.q.trim();
  }
  if (query.page !== undefined) {
    const page = typeof query.page === 'string' && /^\d{1,4}$/.test(query.page) ? Number(query.page) : NaN;
    if (!(page <= PAGE_MAX)) throw new GatewayError('invalid_request', `page must be a whole number from 0 to ${PAGE_MAX}.`, { param: 'page' });
    filter.page = page;
  }
  return filter;
}

export interface QueryOptions {
  /** helix_settings.log_prompts: only then does a `prompt` column leave the gateway. */
  logPrompts?: boolean;
}

export async function runNamedQuery(reader: AnalyticsReader, name: QueryName, range: RangeId, filter: QueryFilter = {}, opts: QueryOptions = {}): Promise<Row[]> {
  const { seconds, step } = RANGES[range];
  const params: QueryParams = { range: String(seconds), step: String(step), q: filter.q ?? '', page: String(filter.page ?? 0) };
  const result = await reader.query(QUERIES[name], params);
  const text = new Set(result.meta.filter((m) => TEXT_TYPE.test(m.type)).map((m) => m.name));
  return result.data.map((row) => {
    if (!opts.logPrompts) delete row.prompt;
    return numeric(row, text);
  });
}
