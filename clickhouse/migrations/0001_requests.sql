-- Request events (schemas/events.ts RequestEvent). One row per request, deduplicated by event_id.
CREATE TABLE IF NOT EXISTS {database}.requests
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
    message_count UInt32,
    prompt_chars UInt32,
    prompt String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
