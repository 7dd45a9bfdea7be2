// GET /global/spend/report in LiteLLM's shapes, from the daily spend rollups: per day, per team (or customer, or both)
// with each key × model's spend and tokens; or per key with its models' cost and tokens. Filters as LiteLLM applies
// them: api_key, then internal_user_id, take the per-key shape; team_id with customer_id the team × customer one.
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import type { DayRange } from './dates.ts';
import { count, nano, reportRows, usd, whereOf, type LedgerFilter } from './ledger-filter.ts';
import { usdFromNano } from '../money.ts';

export type ReportGrouping = 'team' | 'customer' | 'api_key';

export interface SpendReportQuery {
  range: DayRange;
  groupBy: ReportGrouping;
  keyId?: string | undefined;
  userId?: string | undefined;
  teamId?: string | undefined;
  customerId?: string | undefined;
}

export interface ModelKeySpend {
  model: string;
  api_key: string;
  spend: number;
  total_tokens: number;
}
export interface GroupSpend {
  total_spend: number;
  metadata: ModelKeySpend[];
  team_name?: string;
  team_id?: string;
  customer?: string | null;
}
export interface DaySpend {
  group_by_day: string;
  teams?: GroupSpend[];
  customers?: GroupSpend[];
  teams_customers?: GroupSpend[];
}
export interface KeySpend {
  api_key: string;
  total_cost: number;
  total_input_tokens: number;
  total_output_tokens: number;
  model_details: Array<{ model: string; total_cost: number; total_input_tokens: number; total_output_tokens: number }>;
}

export async function spendReport(reader: AnalyticsReader, q: SpendReportQuery): Promise<DaySpend[] | KeySpend[]> {
  const filter: LedgerFilter = { range: q.range, keyId: q.keyId, userId: q.userId, teamId: q.teamId, endUser: q.customerId };
  if (q.keyId !== undefined || q.userId !== undefined || q.groupBy === 'api_key') return perKey(reader, filter);
  if (q.teamId !== undefined && q.customerId !== undefined) return perDay(reader, filter, 'teams_customers');
  return perDay(reader, filter, q.groupBy === 'customer' ? 'customers' : 'teams');
}

/** The end-user rollup has every dimension of spend_1d plus end_user; it is only read when end users matter. */
const tableFor = (filter: LedgerFilter, byEndUser: boolean) => (byEndUser || filter.endUser !== undefined ? 'spend_end_user_1d' : 'spend_1d');

async function perDay(reader: AnalyticsReader, filter: LedgerFilter, shape: 'teams' | 'customers' | 'teams_customers'): Promise<DaySpend[]> {
  const byTeam = shape !== 'customers';
  const byCustomer = shape !== 'teams';
  const groups = [...(byTeam ? ['team_id'] : []), ...(byCustomer ? ['end_user'] : [])].join(', ');
  const { where, params } = whereOf(filter, 'daily');
  const data = await reportRows(
    reader,
    `SELECT toString(day) AS d, ${groups}, model, key_id, toString(sum(cost_usd)) AS cost, sum(prompt_tokens) + sum(completion_tokens) AS tokens ` +
      `FROM ${tableFor(filter, byCustomer)} ${where} GROUP BY d, ${groups}, model, key_id ORDER BY d, ${groups}, model, key_id`,
    params,
  );
  const days = new Map<string, Map<string, { group: GroupSpend; nano: number }>>();
  for (const r of data) {
    const day = String(r.d);
    const team = String(r.team_id ?? '');
    const customer = String(r.end_user ?? '');
    const name = `${team}\u0000${customer}`;
    const groupsOfDay = days.get(day) ?? days.set(day, new Map()).get(day)!;
    let entry = groupsOfDay.get(name);
    if (!entry) {
      const group: GroupSpend = {
        ...(byTeam ? { team_name: team || 'Unassigned Team', team_id: team } : {}),
        ...(byCustomer ? { customer: customer || null } : {}),
        total_spend: 0,
        metadata: [],
      };
      groupsOfDay.set(name, (entry = { group, nano: 0 }));
    }
    const cost = nano(r.cost);
    entry.nano += cost;
    entry.group.metadata.push({ model: String(r.model), api_key: String(r.key_id), spend: usdFromNano(cost), total_tokens: count(r.tokens) });
  }
  return [...days].map(([day, groupsOfDay]) => ({
    group_by_day: `${day}T00:00:00+00:00`,
    [shape]: [...groupsOfDay.values()].map(({ group, nano: n }) => ({ ...group, total_spend: usdFromNano(n) })),
  }));
}

async function perKey(reader: AnalyticsReader, filter: LedgerFilter): Promise<KeySpend[]> {
  const { where, params } = whereOf(filter, 'daily');
  const data = await reportRows(
    reader,
    `SELECT key_id, model, toString(sum(cost_usd)) AS cost, sum(prompt_tokens) AS input, sum(completion_tokens) AS output ` +
      `FROM ${tableFor(filter, false)} ${where} GROUP BY key_id, model ORDER BY key_id, model`,
    params,
  );
  const keys = new Map<string, { nano: number; report: KeySpend }>();
  for (const r of data) {
    const key = String(r.key_id);
    let entry = keys.get(key);
    if (!entry) keys.set(key, (entry = { nano: 0, report: { api_key: key, total_cost: 0, total_input_tokens: 0, total_output_tokens: 0, model_details: [] } }));
    const [input, output] = [count(r.input), count(r.output)];
    entry.nano += nano(r.cost);
    entry.report.total_input_tokens += input;
    entry.report.total_output_tokens += output;
    entry.report.model_details.push({ model: String(r.model), total_cost: usd(r.cost), total_input_tokens: input, total_output_tokens: output });
  }
  return [...keys.values()].map(({ nano: n, report }) => ({ ...report, total_cost: usdFromNano(n) })).sort((a, b) => b.total_cost - a.total_cost);
}
