-- v_requests shows what migration 0016 added: prompt-cache reads, the model the client asked for when the optimizer
-- swapped it, and the saving that swap made (ledger). Columns are only ever added, so saved queries keep working.
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
    s.cached_tokens AS cached_tokens, s.model_swapped_from AS model_swapped_from, l.swap_saved_usd AS swap_saved_usd
FROM {database}.responses AS s
LEFT ANY JOIN {database}.requests AS r ON r.request_id = s.request_id
LEFT ANY JOIN (SELECT source_event_id, cost_usd, price_source, swap_saved_usd FROM {database}.ledger_entries) AS l ON l.source_event_id = s.event_id;
