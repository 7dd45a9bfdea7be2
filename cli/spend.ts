// `helix spend logs|tags|report`: the gateway's LiteLLM-compatible spend reports (/spend/logs, /spend/tags,
// /global/spend/report) through its admin API (HELIX_URL, HELIX_MASTER_KEY), as tables or, with --json, as answered.
import { formatTable } from './format.ts';
import { api, parseArgs, type ApiOptions } from './keys.ts';

export const SPEND_USAGE = `  spend logs   [--key K] [--user U] [--team T] [--end-user E] [--request R] [--from D --to D] [--page N] [--size N]
  spend tags   [--from D --to D]
  spend report [--from D] [--to D] [--by team|customer|api_key] [--key K] [--user U] [--team T] [--customer C]
                           spend from the ledger, as LiteLLM's /spend/logs, /spend/tags and /global/spend/report
                           (dates YYYY-MM-DD UTC, inclusive; report default: this month; --json for the raw answer)`;

type Row = Record<string, unknown>;

/** Flags of each subcommand → the route's query parameter. */
const PARAMS: Record<'logs' | 'tags' | 'report', Record<string, string>> = {
  logs: { key: 'api_key', user: 'user_id', team: 'team_id', 'end-user': 'end_user', request: 'request_id', from: 'start_date', to: 'end_date', page: 'page', size: 'page_size' },
  tags: { from: 'start_date', to: 'end_date' },
  report: { from: 'start_date', to: 'end_date', by: 'group_by', key: 'api_key', user: 'internal_user_id', team: 'team_id', customer: 'customer_id' },
};

const PATHS = { logs: '/spend/logs', tags: '/spend/tags', report: '/global/spend/report' } as const;

function query(command: keyof typeof PARAMS, flags: Map<string, string[]>, today = new Date()): URLSearchParams {
  const q = new URLSearchParams();
  for (const [flag, values] of flags) {
    const param = PARAMS[command][flag];
    if (!param) throw new Error(`helix spend ${command}: unknown option --${flag}`);
    q.set(param, values.at(-1)!);
  }
  if (command === 'logs') q.set('summarize', 'false');
  if (command === 'report') {
    if (!q.has('start_date')) q.set('start_date', `${today.toISOString().slice(0, 8)}01`);
    if (!q.has('end_date')) q.set('end_date', today.toISOString().slice(0, 10));
  }
  return q;
}

/** The report's nested shapes as flat rows: one per day × group × model × key, or per key × model. */
export function reportRows(answer: Row[]): Row[] {
  return answer.flatMap((entry): Row[] => {
    if ('model_details' in entry) {
      return (entry.model_details as Row[]).map((m) => ({ api_key: entry.api_key, ...m }));
    }
    const groups = (entry.teams ?? entry.customers ?? entry.teams_customers ?? []) as Row[];
    return groups.flatMap((g) =>
      (g.metadata as Row[]).map((m) => ({
        day: String(entry.group_by_day).slice(0, 10),
        ...('team_name' in g ? { team: g.team_name } : {}),
        ...('customer' in g ? { customer: g.customer } : {}),
        ...m,
      })),
    );
  });
}

const LOG_COLUMNS = ['startTime', 'request_id', 'api_key', 'model', 'user', 'team_id', 'end_user', 'request_tags', 'total_tokens', 'spend', 'cache_hit'];

/** Runs `helix spend <args>`; returns the exit code. */
export async function runSpendCommand(args: string[], env: NodeJS.ProcessEnv = process.env, io: { out?: (s: string) => void; fetch?: typeof fetch } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const [command, ...rest] = args;
  if (command !== 'logs' && command !== 'tags' && command !== 'report') {
    out(`usage:\n${SPEND_USAGE}`);
    return command === 'help' || command === '--help' ? 0 : 1;
  }
  const opts: ApiOptions = { baseUrl: env.HELIX_URL || 'http://127.0.0.1:4000', masterKey: env.HELIX_MASTER_KEY || undefined, ...(io.fetch ? { fetch: io.fetch } : {}) };
  const parsed = parseArgs(rest);
  const answer = (await api(opts, 'GET', `${PATHS[command]}?${query(command, parsed.flags)}`)) as unknown as Row[];
  if (parsed.bools.has('json')) {
    out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const rows = command === 'report' ? reportRows(answer) : answer;
  const columns = command === 'logs' ? LOG_COLUMNS : Object.keys(rows[0] ?? { individual_request_tag: '', log_count: 0, total_spend: 0 });
  const total = rows.reduce((n, r) => n + Number(r.spend ?? r.total_spend ?? r.total_cost ?? 0), 0);
  out(`${formatTable(columns, rows)}\n(${rows.length} rows${command === 'tags' ? '' : `, $${total.toFixed(9).replace(/0+$/, '').replace(/\.$/, '')} in all`})`);
  return 0;
}
