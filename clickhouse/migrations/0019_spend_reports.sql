-- Spend per day by end user (the request's `user` field, LiteLLM's customer) and by request tag, from the ledger's
-- entries (0018 gave them `end_user` and `tags`): what /customer/info, /tag/info, /spend/tags and
-- /global/spend/report read, and the views `helix sql` users query. Like spend_1d (0012), each ledger entry reaches
-- these rollups once; requests without an end user count under end_user = '', untagged ones under tag = '', and a
-- request with several tags counts under each.
CREATE TABLE IF NOT EXISTS {database}.spend_end_user_1d
(
    day Date,
    end_user String,
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
    cache_saved_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    swap_saved_usd SimpleAggregateFunction(sum, Decimal(38, 9))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, end_user, team_id, key_id, user_id, model, provider)
TTL day + INTERVAL {retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO {database}.spend_end_user_1d
SELECT toDate(ts) AS day, end_user, team_id, key_id, user_id, model, provider,
    countIf(source != 'cache') AS requests, countIf(source = 'cache') AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.ledger_entries
WHERE (SELECT count() FROM {database}.spend_end_user_1d) = 0
GROUP BY day, end_user, team_id, key_id, user_id, model, provider;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.spend_end_user_1d_mv TO {database}.spend_end_user_1d AS
SELECT toDate(ts) AS day, end_user, team_id, key_id, user_id, model, provider,
    countIf(source != 'cache') AS requests, countIf(source = 'cache') AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.ledger_entries
GROUP BY day, end_user, team_id, key_id, user_id, model, provider;

CREATE TABLE IF NOT EXISTS {database}.spend_tag_1d
(
    day Date,
    tag String,
    team_id String,
    key_id String,
    user_id String,
    end_user String,
    model LowCardinality(String),
    provider LowCardinality(String),
    requests SimpleAggregateFunction(sum, UInt64),
    cache_hits SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    cached_tokens SimpleAggregateFunction(sum, UInt64),
    cost_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    cache_saved_usd SimpleAggregateFunction(sum, Decimal(38, 9)),
    swap_saved_usd SimpleAggregateFunction(sum, Decimal(38, 9))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, tag, team_id, key_id, user_id, end_user, model, provider)
TTL day + INTERVAL {retention_days} DAY
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO {database}.spend_tag_1d
SELECT toDate(ts) AS day, tag, team_id, key_id, user_id, end_user, model, provider,
    countIf(source != 'cache') AS requests, countIf(source = 'cache') AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.ledger_entries
ARRAY JOIN if(empty(tags), [''], arrayDistinct(tags)) AS tag
WHERE (SELECT count() FROM {database}.spend_tag_1d) = 0
GROUP BY day, tag, team_id, key_id, user_id, end_user, model, provider;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.spend_tag_1d_mv TO {database}.spend_tag_1d AS
SELECT toDate(ts) AS day, tag, team_id, key_id, user_id, end_user, model, provider,
    countIf(source != 'cache') AS requests, countIf(source = 'cache') AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.ledger_entries
ARRAY JOIN if(empty(tags), [''], arrayDistinct(tags)) AS tag
GROUP BY day, tag, team_id, key_id, user_id, end_user, model, provider;

-- Spend per day by end user (docs/sql.md). end_user = '': requests that named none.
CREATE OR REPLACE VIEW {database}.v_spend_by_end_user_daily AS
SELECT day, end_user, team_id, key_id, user_id, model, provider,
    sum(requests) AS requests, sum(cache_hits) AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.spend_end_user_1d
GROUP BY day, end_user, team_id, key_id, user_id, model, provider;

-- Spend per day by request tag (docs/sql.md). tag = '': untagged requests; a request with several tags is in each.
CREATE OR REPLACE VIEW {database}.v_spend_by_tag_daily AS
SELECT day, tag, team_id, key_id, user_id, end_user, model, provider,
    sum(requests) AS requests, sum(cache_hits) AS cache_hits,
    sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
    sum(cost_usd) AS cost_usd, sum(cache_saved_usd) AS cache_saved_usd, sum(swap_saved_usd) AS swap_saved_usd
FROM {database}.spend_tag_1d
GROUP BY day, tag, team_id, key_id, user_id, end_user, model, provider;
