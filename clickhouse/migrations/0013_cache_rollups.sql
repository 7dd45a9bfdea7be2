-- Cache hit rollups per minute and per day, by team, key, user, model and hit kind (exact | semantic), from the
-- cache's hit events: what was served from the cache and what it saved (tokens, upstream latency). Dollars saved
-- come from the ledger (spend_* cache_saved_usd), which prices hits like requests. Same exactly-once reasoning as
-- the other rollups.
CREATE TABLE IF NOT EXISTS {database}.cache_1m
(
    minute DateTime('UTC'),
    team_id String,
    key_id String,
    user_id String,
    model LowCardinality(String),
    hit LowCardinality(String),
    hits SimpleAggregateFunction(sum, UInt64),
    saved_prompt_tokens SimpleAggregateFunction(sum, UInt64),
    saved_completion_tokens SimpleAggregateFunction(sum, UInt64),
    saved_latency_ms SimpleAggregateFunction(sum, Float64),
    similarity_sum SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, team_id, key_id, user_id, model, hit)
TTL minute + INTERVAL {retention_days} DAY;

INSERT INTO {database}.cache_1m
SELECT toStartOfMinute(ts) AS minute, team_id, key_id, user_id, model, hit,
    count() AS hits, sum(saved_prompt_tokens) AS saved_prompt_tokens, sum(saved_completion_tokens) AS saved_completion_tokens,
    sum(saved_latency_ms) AS saved_latency_ms, sum(similarity) AS similarity_sum
FROM {database}.cache_events
WHERE (SELECT count() FROM {database}.cache_1m) = 0
GROUP BY minute, team_id, key_id, user_id, model, hit;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.cache_1m_mv TO {database}.cache_1m AS
SELECT toStartOfMinute(ts) AS minute, team_id, key_id, user_id, model, hit,
    count() AS hits, sum(saved_prompt_tokens) AS saved_prompt_tokens, sum(saved_completion_tokens) AS saved_completion_tokens,
    sum(saved_latency_ms) AS saved_latency_ms, sum(similarity) AS similarity_sum
FROM {database}.cache_events
GROUP BY minute, team_id, key_id, user_id, model, hit;

CREATE TABLE IF NOT EXISTS {database}.cache_1d
(
    day Date,
    team_id String,
    key_id String,
    user_id String,
    model LowCardinality(String),
    hit LowCardinality(String),
    hits SimpleAggregateFunction(sum, UInt64),
    saved_prompt_tokens SimpleAggregateFunction(sum, UInt64),
    saved_completion_tokens SimpleAggregateFunction(sum, UInt64),
    saved_latency_ms SimpleAggregateFunction(sum, Float64),
    similarity_sum SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, team_id, key_id, user_id, model, hit)
TTL day + INTERVAL {retention_days} DAY;

INSERT INTO {database}.cache_1d
SELECT toDate(minute) AS day, team_id, key_id, user_id, model, hit,
    sum(hits) AS hits, sum(saved_prompt_tokens) AS saved_prompt_tokens, sum(saved_completion_tokens) AS saved_completion_tokens,
    sum(saved_latency_ms) AS saved_latency_ms, sum(similarity_sum) AS similarity_sum
FROM {database}.cache_1m
WHERE (SELECT count() FROM {database}.cache_1d) = 0
GROUP BY day, team_id, key_id, user_id, model, hit;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.cache_1d_mv TO {database}.cache_1d AS
SELECT toDate(minute) AS day, team_id, key_id, user_id, model, hit,
    sum(hits) AS hits, sum(saved_prompt_tokens) AS saved_prompt_tokens, sum(saved_completion_tokens) AS saved_completion_tokens,
    sum(saved_latency_ms) AS saved_latency_ms, sum(similarity_sum) AS similarity_sum
FROM {database}.cache_1m
GROUP BY day, team_id, key_id, user_id, model, hit;
