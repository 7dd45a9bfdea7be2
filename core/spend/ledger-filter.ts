// WHERE clauses over the ledger and its rollups from a report's filters. The SQL text is fixed here (column names,
// placeholders); every caller's value travels as a bound query parameter.
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import type { QueryParams } from '../../clickhouse/sql-guard.ts';
import { nanoFromDecimal, usdFromNano } from '../money.ts';
import { SpendQueryError, type DayRange } from './dates.ts';

/** Rows a report may be built from; a wider one is refused (narrow the dates or filter) rather than cut short. */
export const MAX_REPORT_ROWS = 50_000;

export interface LedgerFilter {
  keyId?: string | undefined;
  userId?: string | undefined;
  teamId?: string | undefined;
  /** The request's `user` field (LiteLLM's customer / end user). */
  endUser?: string | undefined;
  requestId?: string | undefined;
  tag?: string | undefined;
  range?: DayRange | undefined;
  /** Timestamps (`YYYY-MM-DD HH:MM:SS.sss`, UTC): from inclusive, to exclusive. Raw ledger only. */
  fromTs?: string | undefined;
  toTs?: string | undefined;
}

/**
 * `raw`: ledger_entries (ts, tags array); `daily`: a daily rollup (day, and one `tag` per row in the tag rollup).
 * Returns `WHERE …` (or '') and its parameters.
 */
export function whereOf(f: LedgerFilter, source: 'raw' | 'daily'): { where: string; params: QueryParams } {
  const clauses: string[] = [];
  const params: QueryParams = {};
  const add = (value: string | undefined, name: string, clause: string) => {
    if (value === undefined) return;
    clauses.push(clause);
    params[name] = value;
  };
  add(f.keyId, 'key_id', 'key_id = {key_id:String}');
  add(f.userId, 'user_id', 'user_id = {user_id:String}');
  add(f.teamId, 'team_id', 'team_id = {team_id:String}');
  add(f.endUser, 'end_user', 'end_user = {end_user:String}');
  add(f.requestId, 'request_id', 'request_id = {request_id:String}');
  add(f.tag, 'tag', source === 'raw' ? 'has(tags, {tag:String})' : 'tag = {tag:String}');
  if (f.range) {
    add(f.range.from, 'from_day', source === 'raw' ? "ts >= toDateTime64({from_day:Date}, 3, 'UTC')" : 'day >= {from_day:Date}');
    add(f.range.until, 'until_day', source === 'raw' ? "ts < toDateTime64({until_day:Date}, 3, 'UTC')" : 'day < {until_day:Date}');
  }
  add(f.fromTs, 'from_ts', "ts >= toDateTime64({from_ts:String}, 3, 'UTC')");
  add(f.toTs, 'to_ts', "ts < toDateTime64({to_ts:String}, 3, 'UTC')");
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** The rows of a report query, refused with a SpendQueryError when there are more than MAX_REPORT_ROWS. */
export async function reportRows(reader: AnalyticsReader, sql: string, params: QueryParams): Promise<Array<Record<string, unknown>>> {
  const result = await reader.query(`${sql} LIMIT ${MAX_REPORT_ROWS + 1}`, params);
  if (result.data.length > MAX_REPORT_ROWS) throw new SpendQueryError(`The report has more than ${MAX_REPORT_ROWS} rows: narrow start_date … end_date or filter it.`, 'start_date');
  return result.data;
}

/** A ClickHouse Decimal as text (`toString(sum(cost_usd))`) → nano-USD, exactly. */
export const nano = (text: unknown): number => nanoFromDecimal(String(text ?? '0'));

/** A ClickHouse Decimal as text → USD, exactly as the ledger holds it. */
export const usd = (text: unknown): number => usdFromNano(nano(text));

/** Money added up per name in integers of nano-USD (floats never accumulate), read out in USD. */
export class NanoSums {
  private readonly sums = new Map<string, number>();
  add(name: string, nanoUsd: number): void {
    this.sums.set(name, (this.sums.get(name) ?? 0) + nanoUsd);
  }
  usd(): Record<string, number> {
    return Object.fromEntries([...this.sums].map(([k, v]) => [k, usdFromNano(v)]));
  }
}

/** A count or token sum (UInt64 arrives as a number, or as text if the server quotes 64-bit integers). */
export const count = (value: unknown): number => Number(value ?? 0);

/** ClickHouse's `2024-05-10 12:00:00.123` (UTC) → ISO 8601. */
export const isoOf = (ts: unknown): string => `${String(ts).replace(' ', 'T')}Z`;
