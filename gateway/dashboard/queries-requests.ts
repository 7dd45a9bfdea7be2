// The Requests page's read: the newest finished requests of the range (v_requests), one page at a time, optionally
// narrowed by a search value `q` that must equal the request id, key id, team, user, model, status or HTTP status.
// Range, search and page are bound parameters. The prompt (already PII-handled when the request event was built)
// comes from the raw request events; runNamedQuery passes it on only while helix_settings.log_prompts is on.

/** Rows per page of the request log. */
export const REQUESTS_PAGE_SIZE = 50;

const columns = `toString(v.ts) AS ts, v.request_id AS request_id, v.key_id AS key_id, v.team_id AS team_id, v.user_id AS user_id,
  v.end_user AS end_user, arrayStringConcat(v.tags, ', ') AS tags, v.endpoint AS endpoint, v.model AS model, v.provider AS provider,
  v.status AS status, v.http_status AS http_status, v.prompt_tokens AS prompt_tokens, v.completion_tokens AS completion_tokens,
  v.total_tokens AS total_tokens, v.cost_usd AS cost_usd, v.total_ms AS total_ms, v.cache AS cache,
  v.model_swapped_from AS model_swapped_from`;
const search = `({q:String} = '' OR has([v.request_id, v.key_id, v.team_id, v.user_id, toString(v.model), toString(v.status), toString(v.http_status)], {q:String}))`;
const since = 'now() - toIntervalSecond({range:UInt32})';

export const requestsQueries = {
  /** One page of the request log, newest first (`page` counts from 0). */
  requests: `SELECT ${columns}, p.prompt AS prompt
    FROM v_requests AS v
    LEFT ANY JOIN (SELECT request_id, prompt FROM requests WHERE ts >= ${since} - INTERVAL 1 HOUR) AS p ON p.request_id = v.request_id
    WHERE v.ts >= ${since} AND ${search}
    ORDER BY v.ts DESC, v.request_id
    LIMIT ${REQUESTS_PAGE_SIZE} OFFSET {page:UInt32} * ${REQUESTS_PAGE_SIZE}`,
} as const;
