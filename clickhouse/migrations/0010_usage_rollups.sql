-- Usage rollups per minute and per day, by team, key, user, model, provider and deployment, maintained by
-- materialized views on `responses`. The sink inserts each event id once (it skips ids already stored), and a
-- materialized view sees exactly the rows of each insert, so rollups never count a redelivered event twice.
-- Counters are SimpleAggregateFunction(sum); latencies are t-digest states: query them with
-- quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_ms) — or through v_usage_1m / v_usage_1d.
-- Each table is back-filled from the raw events once, when it is created empty (before its view exists, while
-- the sink is not consuming yet), so adding the rollups to an existing install keeps history.
CREATE TABLE IF NOT EXISTS {database}.usage_1m
(
    minute DateTime('UTC'),
    team_id String,
    key_id String,
    user_id String,
    model LowCardinality(String),
    provider LowCardinality(String),
    deployment LowCardinality(String),
    requests SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    streams SimpleAggregateFunction(sum, UInt64),
    exact_hits SimpleAggregateFunction(sum, UInt64),
    semantic_hits SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    total_ms_sum SimpleAggregateFunction(sum, Float64),
    latency_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Float64),
    upstream_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Float64),
    overhead_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, team_id, key_id, user_id, model, provider, deployment)
TTL minute + INTERVAL {retention_days} DAY;

INSERT INTO {database}.usage_1m
SELECT
    toStartOfMinute(ts) AS minute, team_id, key_id, user_id, model, provider, deployment,
    count() AS requests,
    countIf(status = 'error') AS errors,
    countIf(stream) AS streams,
    countIf(cache = 'exact') AS exact_hits,
    countIf(cache = 'semantic') AS semantic_hits,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(total_ms) AS total_ms_sum,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(total_ms) AS latency_ms,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(upstream_ms) AS upstream_ms,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(gateway_overhead_ms) AS overhead_ms
FROM {database}.responses
WHERE (SELECT count() FROM {database}.usage_1m) = 0
GROUP BY minute, team_id, key_id, user_id, model, provider, deployment;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.usage_1m_mv TO {database}.usage_1m AS
SELECT
    toStartOfMinute(ts) AS minute, team_id, key_id, user_id, model, provider, deployment,
    count() AS requests,
    countIf(status = 'error') AS errors,
    countIf(stream) AS streams,
    countIf(cache = 'exact') AS exact_hits,
    countIf(cache = 'semantic') AS semantic_hits,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(total_ms) AS total_ms_sum,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(total_ms) AS latency_ms,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(upstream_ms) AS upstream_ms,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(gateway_overhead_ms) AS overhead_ms
FROM {database}.responses
GROUP BY minute, team_id, key_id, user_id, model, provider, deployment;

-- The daily rollup is fed from the minute rollup (a chained view): one place derives usage from raw events.
CREATE TABLE IF NOT EXISTS {database}.usage_1d
(
    day Date,
    team_id String,
    key_id String,
    user_id String,
    model LowCardinality(String),
    provider LowCardinality(String),
    deployment LowCardinality(String),
    requests SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    streams SimpleAggregateFunction(sum, UInt64),
    exact_hits SimpleAggregateFunction(sum, UInt64),
    semantic_hits SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    total_ms_sum SimpleAggregateFunction(sum, Float64),
    latency_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Float64),
    upstream_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Float64),
    overhead_ms AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, team_id, key_id, user_id, model, provider, deployment)
TTL day + INTERVAL {retention_days} DAY;

INSERT INTO {database}.usage_1d
SELECT
    toDate(minute) AS day, team_id, key_id, user_id, model, provider, deployment,
    sum(requests) AS requests,
    sum(errors) AS errors,
    sum(streams) AS streams,
    sum(exact_hits) AS exact_hits,
    sum(semantic_hits) AS semantic_hits,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(total_ms_sum) AS total_ms_sum,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(latency_ms) AS latency_ms,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(upstream_ms) AS upstream_ms,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(overhead_ms) AS overhead_ms
FROM {database}.usage_1m
WHERE (SELECT count() FROM {database}.usage_1d) = 0
GROUP BY day, team_id, key_id, user_id, model, provider, deployment;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.usage_1d_mv TO {database}.usage_1d AS
SELECT
    toDate(minute) AS day, team_id, key_id, user_id, model, provider, deployment,
    sum(requests) AS requests,
    sum(errors) AS errors,
    sum(streams) AS streams,
    sum(exact_hits) AS exact_hits,
    sum(semantic_hits) AS semantic_hits,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(total_ms_sum) AS total_ms_sum,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(latency_ms) AS latency_ms,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(upstream_ms) AS upstream_ms,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(overhead_ms) AS overhead_ms
FROM {database}.usage_1m
GROUP BY day, team_id, key_id, user_id, model, provider, deployment;
