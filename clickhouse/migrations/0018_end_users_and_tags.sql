-- Attribution beyond the key (schemas/events/attribution.ts): the end user (OpenAI's `user`, Anthropic's
-- metadata.user_id) and the request's tags (metadata.tags, x-helix-tags) on requests, responses, cache hits and
-- ledger entries. Older rows read the defaults: '' and [].
ALTER TABLE {database}.requests ADD COLUMN IF NOT EXISTS end_user String DEFAULT '' AFTER prompt;
ALTER TABLE {database}.requests ADD COLUMN IF NOT EXISTS tags Array(LowCardinality(String)) DEFAULT [] AFTER end_user;
ALTER TABLE {database}.responses ADD COLUMN IF NOT EXISTS end_user String DEFAULT '' AFTER model_swapped_from;
ALTER TABLE {database}.responses ADD COLUMN IF NOT EXISTS tags Array(LowCardinality(String)) DEFAULT [] AFTER end_user;
ALTER TABLE {database}.cache_events ADD COLUMN IF NOT EXISTS end_user String DEFAULT '' AFTER stream;
ALTER TABLE {database}.cache_events ADD COLUMN IF NOT EXISTS tags Array(LowCardinality(String)) DEFAULT [] AFTER end_user;
ALTER TABLE {database}.ledger_entries ADD COLUMN IF NOT EXISTS end_user String DEFAULT '' AFTER counters;
ALTER TABLE {database}.ledger_entries ADD COLUMN IF NOT EXISTS tags Array(LowCardinality(String)) DEFAULT [] AFTER end_user;

-- v_requests shows them too (columns are only ever added, so saved queries keep working).
CREATE OR REPLACE VIEW {database}.v_requests AS
SELECT
    s.ts AS ts, s.request_id AS request_id, s.key_id AS key_id, s.team_id AS team_id, s.user_id AS user_id,
    s.model AS model, s.provider AS provider, s.deployment AS deployment, s.endpoint AS endpoint, s.stream AS stream,
    s.status AS status, s.http_status AS http_status, s.error_type AS error_type, s.error_message AS error_message,
    s.finish_reason AS finish_reason, s.cache AS cache,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens,
    l.cost_usd AS cost_usd, l.price_source AS price_source,
    s.total_ms AS total_ms, s.upstream_ms AS upstream_ms, s.upstream_ttfb_ms AS upstream_ttfb_ms,
    s.gateway_overhead_ms AS gateway_overhead_ms, s.attempts AS attempts,
    r.ts AS request_ts, r.message_count AS message_count, r.prompt_chars AS prompt_chars,
    s.cached_tokens AS cached_tokens, s.model_swapped_from AS model_swapped_from, l.swap_saved_usd AS swap_saved_usd,
    s.end_user AS end_user, s.tags AS tags
FROM {database}.responses AS s
LEFT ANY JOIN {database}.requests AS r ON r.request_id = s.request_id
LEFT ANY JOIN (SELECT source_event_id, cost_usd, price_source, swap_saved_usd FROM {database}.ledger_entries) AS l ON l.source_event_id = s.event_id;
