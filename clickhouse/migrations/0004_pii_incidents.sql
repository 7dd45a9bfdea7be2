-- PII incidents (schemas/events/pii.ts PiiEvent): entity, action, location and a value fingerprint — never the value.
CREATE TABLE IF NOT EXISTS {database}.pii_incidents
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
    direction LowCardinality(String),
    entity LowCardinality(String),
    action LowCardinality(String),
    detector LowCardinality(String),
    confidence Float64,
    path String,
    message_index Int32,
    role LowCardinality(String),
    offset UInt32,
    length UInt32,
    fingerprint String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
