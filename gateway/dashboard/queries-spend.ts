// The Spend page's reads: spend over the range grouped by one dimension (team, key, user, model from the minute
// rollup v_spend_1m; end user and tag from their daily views, which have no finer grain), and the budget alerts.
// The dimension is picked by naming one of the fixed queries below, never by sending a column name.
import { inRange } from './query-clauses.ts';
/** The daily views cover whole UTC days: every day the range touches. */
const inDays = 'day >= toDate(now() - toIntervalSecond({range:UInt32}))';
/** Rows a breakdown shows at most (the biggest spenders). */
const ROWS = 200;

const breakdown = (view: string, column: string, where: string) =>
  `SELECT ${column} AS name, sum(cost_usd) AS spend_usd, sum(requests) AS requests, sum(cache_hits) AS cache_hits,
      sum(prompt_tokens) + sum(completion_tokens) AS tokens
    FROM ${view} WHERE ${where} GROUP BY name ORDER BY spend_usd DESC, name LIMIT ${ROWS}`;

export const SPEND_QUERIES = {
  spend_by_team: breakdown('v_spend_1m', 'team_id', inRange),
  spend_by_key: breakdown('v_spend_1m', 'key_id', inRange),
  spend_by_user: breakdown('v_spend_1m', 'user_id', inRange),
  spend_by_model: breakdown('v_spend_1m', 'model', inRange),
  spend_by_end_user: breakdown('v_spend_by_end_user_daily', 'end_user', inDays),
  spend_by_tag: breakdown('v_spend_by_tag_daily', 'tag', inDays),
  /** The latest threshold crossings; the table may hold a redelivered alert twice until it merges, shown once. */
  budget_alerts: `SELECT toUnixTimestamp(ts) AS t, scope, scope_kind, label, period, threshold, severity, limit_usd, spent_usd
    FROM v_budget_alerts WHERE ts >= now() - toIntervalSecond({range:UInt32})
    ORDER BY ts DESC, threshold DESC LIMIT 1 BY scope, period, threshold LIMIT 100`,
} as const;
