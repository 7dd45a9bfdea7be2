-- Cache hits (schemas/events/cache.ts CacheEvent): exact or semantic, similarity, tokens / cost / latency saved.
CREATE TABLE IF NOT EXISTS {database}.cache_events
(
    event_id UUID,
    type LowCardinality(String),
    schema_version UInt16,
    ts DateTime64(3, 'UTC'),
    request_id String,
    key_id String,
    team_id String,
    user_id String,
    model LowCardinality(String),
    namespace String,
    hit LowCardinality(String),
    entry_id String,
    similarity Float64,
    saved_prompt_tokens UInt32,
    saved_completion_tokens UInt32,
    saved_cost_usd Decimal(18, 9),
    saved_latency_ms Float64,
    lookup_ms Float64,
    stream Bool,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
