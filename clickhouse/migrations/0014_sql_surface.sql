-- The documented SQL surface (docs/sql.md): views with stable names and columns over the raw tables and rollups.
-- Users and Grafana query these; the tables behind them may change. Money is the ledger's (exact decimals, USD).

-- Traffic per minute by team, key, user, model, provider and deployment: counters and latency quantiles (ms).
CREATE OR REPLACE VIEW {database}.v_usage_1m AS
SELECT minute, team_id, key_id, user_id, model, provider, deployment,
    requests, errors, streams, exact_hits, semantic_hits, prompt_tokens, completion_tokens,
    prompt_tokens + completion_tokens AS total_tokens,
    if(requests = 0, 0, total_ms_sum / requests) AS avg_latency_ms,
    q_latency[1] AS p50_ms, q_latency[2] AS p90_ms, q_latency[3] AS p95_ms, q_latency[4] AS p99_ms,
    q_upstream[3] AS upstream_p95_ms, q_overhead[3] AS overhead_p95_ms
FROM
(
    SELECT minute, team_id, key_id, user_id, model, provider, deployment,
        sum(requests) AS requests, sum(errors) AS errors, sum(streams) AS streams,
        sum(exact_hits) AS exact_hits, sum(semantic_hits) AS semantic_hits,
        sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(total_ms_sum) AS total_ms_sum,
        quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms) AS q_latency,
        quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(upstream_ms) AS q_upstream,
        quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(overhead_ms) AS q_overhead
    FROM {database}.usage_1m
    GROUP BY minute, team_id, key_id, user_id, model, provider, deployment
);

-- The same per day.
CREATE OR REPLACE VIEW {database}.v_usage_daily AS
SELECT day, team_id, key_id, user_id, model, provider, deployment,
    requests, errors, streams, exact_hits, semantic_hits, prompt_tokens, completion_tokens,
    prompt_tokens + completion_tokens AS total_tokens,
    if(requests = 0, 0, total_ms_sum / requests) AS avg_latency_ms,
    q_latency[1] AS p50_ms, q_latency[2] AS p90_ms, q_latency[3] AS p95_ms, q_latency[4] AS p99_ms
FROM
(
    SELECT day, team_id, key_id, user_id, model, provider, deployment,
        sum(requests) AS requests, sum(errors) AS errors, sum(streams) AS streams,
        sum(exact_hits) AS exact_hits, sum(semantic_hits) AS semantic_hits,
        sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(total_ms_sum) AS total_ms_sum,
        quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms) AS q_latency
    FROM {database}.usage_1d
    GROUP BY day, team_id, key_id, user_id, model, provider, deployment
);

-- Spend per minute (ledger): cost, its input/output split, and what the cache and model swaps saved.
CREATE OR REPLACE VIEW {database}.v_spend_1m AS
SELECT minute, team_id, key_id, user_id, model, provider,
    sum(requests) AS requests, sum(cache_hits) AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(input_cost_usd) AS input_cost_usd, sum(output_cost_usd) AS output_cost_usd,
    sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.spend_1m
GROUP BY minute, team_id, key_id, user_id, model, provider;

-- Spend per day (ledger).
CREATE OR REPLACE VIEW {database}.v_spend_daily AS
SELECT day, team_id, key_id, user_id, model, provider,
    sum(requests) AS requests, sum(cache_hits) AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(input_cost_usd) AS input_cost_usd, sum(output_cost_usd) AS output_cost_usd,
    sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.spend_1d
GROUP BY day, team_id, key_id, user_id, model, provider;

-- Cache hits per minute: exact and semantic, tokens and upstream time saved.
CREATE OR REPLACE VIEW {database}.v_cache_1m AS
SELECT minute, team_id, key_id, user_id, model,
    exact_hits, semantic_hits, exact_hits + semantic_hits AS hits,
    saved_prompt_tokens, saved_completion_tokens, saved_prompt_tokens + saved_completion_tokens AS saved_tokens,
    saved_latency_ms, if(semantic_hits = 0, 0, semantic_similarity_sum / semantic_hits) AS avg_semantic_similarity
FROM
(
    SELECT minute, team_id, key_id, user_id, model,
        sumIf(hits, hit = 'exact') AS exact_hits, sumIf(hits, hit = 'semantic') AS semantic_hits,
        sum(saved_prompt_tokens) AS saved_prompt_tokens, sum(saved_completion_tokens) AS saved_completion_tokens,
        sum(saved_latency_ms) AS saved_latency_ms, sumIf(similarity_sum, hit = 'semantic') AS semantic_similarity_sum
    FROM {database}.cache_1m
    GROUP BY minute, team_id, key_id, user_id, model
);

-- Cache savings per day by team, key and model: responses, hits, hit rate, tokens, dollars (ledger) and time saved.
CREATE OR REPLACE VIEW {database}.v_cache_savings AS
SELECT day, team_id, key_id, model, responses, exact_hits, semantic_hits, exact_hits + semantic_hits AS hits,
    if(responses = 0, 0, (exact_hits + semantic_hits) / responses) AS hit_rate,
    saved_prompt_tokens, saved_completion_tokens, saved_prompt_tokens + saved_completion_tokens AS saved_tokens,
    saved_usd, saved_latency_ms
FROM
(
    SELECT day, team_id, key_id, model,
        sum(p_responses) AS responses, sum(p_exact) AS exact_hits, sum(p_semantic) AS semantic_hits,
        sum(p_saved_prompt) AS saved_prompt_tokens, sum(p_saved_completion) AS saved_completion_tokens,
        sum(p_saved_usd) AS saved_usd, sum(p_saved_ms) AS saved_latency_ms
    FROM
    (
        SELECT day, team_id, key_id, model, requests AS p_responses, toUInt64(0) AS p_exact, toUInt64(0) AS p_semantic,
            toUInt64(0) AS p_saved_prompt, toUInt64(0) AS p_saved_completion, toDecimal128(0, 9) AS p_saved_usd, toFloat64(0) AS p_saved_ms
        FROM {database}.usage_1d
        UNION ALL
        SELECT day, team_id, key_id, model, toUInt64(0), if(hit = 'exact', hits, 0), if(hit = 'semantic', hits, 0),
            saved_prompt_tokens, saved_completion_tokens, toDecimal128(0, 9), saved_latency_ms
        FROM {database}.cache_1d
        UNION ALL
        SELECT day, team_id, key_id, model, toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0), toDecimal128(cache_saved_usd, 9), toFloat64(0)
        FROM {database}.spend_1d
    )
    GROUP BY day, team_id, key_id, model
);

-- PII incidents per minute by team, key, user, model, direction, entity and action.
CREATE OR REPLACE VIEW {database}.v_pii_1m AS
SELECT minute, team_id, key_id, user_id, model, direction, entity, action,
    sum(incidents) AS incidents, uniqMerge(requests) AS requests
FROM {database}.pii_1m
GROUP BY minute, team_id, key_id, user_id, model, direction, entity, action;

-- The same per day.
CREATE OR REPLACE VIEW {database}.v_pii_daily AS
SELECT day, team_id, key_id, user_id, model, direction, entity, action,
    sum(incidents) AS incidents, uniqMerge(requests) AS requests
FROM {database}.pii_1d
GROUP BY day, team_id, key_id, user_id, model, direction, entity, action;

-- PII incidents, one row each (never the value: entity, location, action and a keyed fingerprint).
CREATE OR REPLACE VIEW {database}.v_pii_incidents AS
SELECT ts, request_id, key_id, team_id, user_id, model, provider, deployment, endpoint,
    direction, entity, action, detector, confidence, path, role, fingerprint
FROM {database}.pii_incidents;

-- Every finished request: its response, its request event and its ledger cost. Joins scan the right-hand tables:
-- for long ranges prefer the rollup views.
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
    r.ts AS request_ts, r.message_count AS message_count, r.prompt_chars AS prompt_chars
FROM {database}.responses AS s
LEFT ANY JOIN {database}.requests AS r ON r.request_id = s.request_id
LEFT ANY JOIN (SELECT source_event_id, cost_usd, price_source FROM {database}.ledger_entries) AS l ON l.source_event_id = s.event_id;

-- Budget threshold crossings (ledger).
CREATE OR REPLACE VIEW {database}.v_budget_alerts AS
SELECT ts, scope, scope_kind, label, duration, period, period_start, threshold, severity, limit_usd, spent_usd,
    key_id, team_id, user_id, trigger_event_id
FROM {database}.budget_alerts;

-- Budget burn: per budget and period, the spend at the last threshold it crossed.
CREATE OR REPLACE VIEW {database}.v_budget_burn AS
SELECT scope, scope_kind, label, duration, period, last.1 AS last_threshold, last.2 AS spent_usd, last.3 AS limit_usd,
    toFloat64(last.2) / nullIf(toFloat64(last.3), 0) AS burn, last.4 AS last_alert_at
FROM
(
    SELECT scope, scope_kind, label, duration, period, argMax((threshold, spent_usd, limit_usd, ts), ts) AS last
    FROM {database}.budget_alerts
    GROUP BY scope, scope_kind, label, duration, period
);

-- Webhook delivery attempts.
CREATE OR REPLACE VIEW {database}.v_webhook_deliveries AS
SELECT ts, event_id AS delivery_id, anomaly_id, anomaly_kind, endpoint, target, format, attempt, status,
    http_status, error, latency_ms, next_attempt_at, key_id, team_id
FROM {database}.webhook_deliveries;

-- Anomalies with the outcome of their webhook deliveries.
CREATE OR REPLACE VIEW {database}.v_anomalies AS
SELECT
    a.ts AS ts, a.event_id AS anomaly_id, a.kind AS kind, a.severity AS severity, a.dimension AS dimension, a.entity AS entity,
    a.key_id AS key_id, a.team_id AS team_id, a.user_id AS user_id, a.metric AS metric,
    a.observed AS observed, a.baseline AS baseline, a.threshold AS threshold, a.score AS score, a.samples AS samples,
    a.window_start AS window_start, a.window_seconds AS window_seconds, a.history_windows AS history_windows,
    a.summary AS summary, a.details AS details,
    d.attempts AS delivery_attempts, d.delivered AS delivered_endpoints, d.dead_lettered AS dead_lettered_endpoints,
    d.last_attempt_at AS last_delivery_at
FROM {database}.anomalies AS a
LEFT ANY JOIN
(
    SELECT anomaly_id, count() AS attempts,
        uniqExactIf(endpoint, status = 'delivered') AS delivered,
        uniqExactIf(endpoint, status = 'dead_lettered') AS dead_lettered,
        max(ts) AS last_attempt_at
    FROM {database}.webhook_deliveries
    GROUP BY anomaly_id
) AS d ON d.anomaly_id = a.event_id;
