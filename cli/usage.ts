// `helix usage [--key <id>] [--team <id>] [--from <date>] [--to <date>] [--by day|model|key|team] [--json]`:
// spend and savings from the ledger in ClickHouse (exact decimals), per day and model by default, with a total.
import type { HelixConfig } from '../lib/config.ts';
import { createAnalyticsReader, type AnalyticsReader } from '../clickhouse/reader.ts';
import { sqlString } from '../clickhouse/sql-literal.ts';
import { formatTable } from './format.ts';

export const USAGE_USAGE = `  usage [--key <id>] [--team <id>] [--from <date>] [--to <date>] [--by day|model|key|team] [--json]
                           spend, tokens and savings from the ledger (default: this month, per day and model)`;

export type UsageGrouping = 'day' | 'model' | 'key' | 'team';

export interface UsageOptions {
  key?: string | undefined;
  team?: string | undefined;
  /** Inclusive start; a date (YYYY-MM-DD) or a timestamp. Default: the 1st of this month (UTC). */
  from?: string | undefined;
  /** Exclusive end; a bare date means the end of that day. Default: now. */
  to?: string | undefined;
  by?: UsageGrouping[];
}

export interface UsageRow {
  [column: string]: string | number;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Exact decimal strings (Decimal(38, 9) sums), e.g. "1.234500000". */
  cost_usd: string;
  cache_saved_usd: string;
  swap_saved_usd: string;
}

/** The value after `name` in argv (`--key k1`), if any. */
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  const v = i >= 0 ? args[i + 1] : undefined;
  return v === undefined || v.startsWith('--') ? undefined : v;
}

const GROUP_COLUMNS: Record<UsageGrouping, string> = { day: 'toString(toDate(ts)) AS day', model: 'model', key: 'key_id', team: 'team_id' };
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A --from/--to value as a UTC instant: a bare date is its 00:00 UTC; `endOfDay` moves a bare date to the next day. */
export function instant(value: string, endOfDay = false): string {
  const ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new Error(`invalid date "${value}": use YYYY-MM-DD or an ISO timestamp`);
  return new Date(ms + (endOfDay && DATE_ONLY.test(value) ? 86_400_000 : 0)).toISOString();
}

export function usageSql(database: string, opts: UsageOptions): string {
  const now = new Date();
  const from = opts.from ? instant(opts.from) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const to = opts.to ? instant(opts.to, true) : new Date(now.getTime() + 1000).toISOString();
  const where = [`ts >= parseDateTime64BestEffort(${sqlString(from)}, 3, 'UTC')`, `ts < parseDateTime64BestEffort(${sqlString(to)}, 3, 'UTC')`];
  if (opts.key) where.push(`key_id = ${sqlString(opts.key)}`);
  if (opts.team) where.push(`team_id = ${sqlString(opts.team)}`);
  const by = opts.by ?? ['day', 'model'];
  const groups = by.map((g) => GROUP_COLUMNS[g]);
  const names = by.map((g) => (g === 'key' ? 'key_id' : g === 'team' ? 'team_id' : g));
  const measures = [
    "countIf(source != 'cache') AS requests",
    'sum(prompt_tokens) AS prompt_tokens',
    'sum(completion_tokens) AS completion_tokens',
    // toString keeps the Decimal sums exact (a JSON number would be read back as a float).
    'toString(sum(cost_usd)) AS cost_usd',
    'toString(sum(cache_saved_usd)) AS cache_saved_usd',
    'toString(sum(swap_saved_usd)) AS swap_saved_usd',
  ];
  const grouping = names.length ? ` GROUP BY ${names.join(', ')} ORDER BY ${names.join(', ')}` : '';
  return `SELECT ${[...groups, ...measures].join(', ')} FROM ${database}.ledger_entries FINAL WHERE ${where.join(' AND ')}${grouping}`;
}

export async function usageReport(reader: AnalyticsReader, database: string, opts: UsageOptions): Promise<{ rows: UsageRow[]; total: UsageRow }> {
  const result = await reader.query(usageSql(database, { ...opts, by: [] }));
  const grouped = (opts.by ?? ['day', 'model']).length ? await reader.query(usageSql(database, opts)) : result;
  return { rows: grouped.data as UsageRow[], total: (result.data[0] ?? {}) as UsageRow };
}

export async function usageCommand(args: string[], config: HelixConfig): Promise<number> {
  const by = (flag(args, '--by') ?? 'day,model').split(',').map((s) => s.trim()) as UsageGrouping[];
  for (const g of by) if (!(g in GROUP_COLUMNS)) throw new Error(`--by takes day, model, key or team (comma-separated), not "${g}"`);
  const opts: UsageOptions = { key: flag(args, '--key'), team: flag(args, '--team'), from: flag(args, '--from'), to: flag(args, '--to'), by };
  const reader = await createAnalyticsReader(config.env);
  try {
    const report = await usageReport(reader, config.env.clickhouseDatabase, opts);
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const t = report.total;
    process.stdout.write(`${formatTable(Object.keys(report.rows[0] ?? t), report.rows)}\n`);
    process.stdout.write(`total: ${t.requests ?? 0} requests, ${t.prompt_tokens ?? 0} prompt + ${t.completion_tokens ?? 0} completion tokens, $${t.cost_usd ?? '0'} spent, $${t.cache_saved_usd ?? '0'} saved by the cache, $${t.swap_saved_usd ?? '0'} by model swaps\n`);
    return 0;
  } finally {
    await reader.close();
  }
}
