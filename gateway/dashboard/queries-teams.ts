// The Teams page's read: each team's spend and requests over the range (whole UTC days, v_spend_daily), beside the
// budgets and limits that /team/list answers. Requests without a team (team_id '') are not a team's.
export const TEAM_QUERIES = {
  team_spend: `SELECT team_id, sum(cost_usd) AS spend_usd, sum(requests) AS requests
    FROM v_spend_daily WHERE day >= toDate(now() - toIntervalSecond({range:UInt32})) AND team_id != '' GROUP BY team_id`,
} as const;
