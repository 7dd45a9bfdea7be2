-- Response and error events (schemas/events.ts ResponseEvent): status, tokens, latency breakdown, attempts (JSON).
CREATE TABLE IF NOT EXISTS {database}.responses
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
    provider LowCardinality(String),
    deployment LowCardinality(String),
    endpoint LowCardinality(String),
    stream Bool,
    status LowCardinality(String),
    http_status UInt16,
    error_type LowCardinality(String),
    error_message String,
    finish_reason LowCardinality(String),
    prompt_tokens UInt32,
    completion_tokens UInt32,
    total_tokens UInt32,
    gateway_overhead_ms Float64,
    upstream_ttfb_ms Float64,
    upstream_ms Float64,
    total_ms Float64,
    attempts String,
    cache LowCardinality(String),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
