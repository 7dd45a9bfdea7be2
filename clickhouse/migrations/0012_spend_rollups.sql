-- Spend rollups per minute and per day, by team, key, user, model and provider, from the ledger's entries (actual
-- cost, exact decimals). The ledger gives each entry a derived id and the sink inserts each id once, so a
-- materialized view never counts an entry twice. `requests` are charged requests; `cache_hits` are entries of
-- answers served from the cache (cost 0, with what they saved).
CREATE TABLE IF NOT EXISTS {database}.spend_1m
(
    minute DateTime('UTC'),
    team_id String,
    key_id String,
    user_id String,
    model LowCardinality(String),
    provider LowCardinality(String),
    requests SimpleAggregateFunction(sum, UInt64),
    cache_hits SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    cached_tokens SimpleAggregateFunction(sum, UInt64),
    cost_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    input_cost_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    output_cost_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    cache_saved_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    swap_saved_usd SimpleAggregateFunction(sum, Decimal(38, 9))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, team_id, key_id, user_id, model, provider)
TTL minute + INTERVAL {retention_days} DAY;

INSERT INTO {database}.spend_1m
SELECT toStartOfMinute(ts) AS minute, team_id, key_id, user_id, model, provider,
    countIf(source != 'cache') AS requests, countIf(source = 'cache') AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(input_cost_usd) AS input_cost_usd, sum(output_cost_usd) AS output_cost_usd,
    sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.ledger_entries
WHERE (SELECT count() FROM {database}.spend_1m) = 0
GROUP BY minute, team_id, key_id, user_id, model, provider;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.spend_1m_mv TO {database}.spend_1m AS
SELECT toStartOfMinute(ts) AS minute, team_id, key_id, user_id, model, provider,
    countIf(source != 'cache') AS requests, countIf(source = 'cache') AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(input_cost_usd) AS input_cost_usd, sum(output_cost_usd) AS output_cost_usd,
    sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.ledger_entries
GROUP BY minute, team_id, key_id, user_id, model, provider;

CREATE TABLE IF NOT EXISTS {database}.spend_1d
(
    day Date,
    team_id String,
    key_id String,
    user_id String,
    model LowCardinality(String),
    provider LowCardinality(String),
    requests SimpleAggregateFunction(sum, UInt64),
    cache_hits SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    cached_tokens SimpleAggregateFunction(sum, UInt64),
    cost_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    input_cost_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    output_cost_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    cache_saved_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    swap_saved_usd SimpleAggregateFunction(sum, Decimal(38, 9))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, team_id, key_id, user_id, model, provider)
TTL day + INTERVAL {retention_days} DAY;

INSERT INTO {database}.spend_1d
SELECT toDate(minute) AS day, team_id, key_id, user_id, model, provider,
    sum(requests) AS requests, sum(cache_hits) AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(input_cost_usd) AS input_cost_usd, sum(output_cost_usd) AS output_cost_usd,
    sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.spend_1m
WHERE (SELECT count() FROM {database}.spend_1d) = 0
GROUP BY day, team_id, key_id, user_id, model, provider;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.spend_1d_mv TO {database}.spend_1d AS
SELECT toDate(minute) AS day, team_id, key_id, user_id, model, provider,
    sum(requests) AS requests, sum(cache_hits) AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(input_cost_usd) AS input_cost_usd, sum(output_cost_usd) AS output_cost_usd,
    sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.spend_1m
GROUP BY day, team_id, key_id, user_id, model, provider;
