-- Anomalies (schemas/events/anomaly.ts AnomalyEvent): one row per incident the anomaly consumer group detected or
-- a budget alert it forwarded. event_id is the incident id webhooks carry.
CREATE TABLE IF NOT EXISTS {database}.anomalies
(
    event_id UUID,
    type LowCardinality(String),
    schema_version UInt16,
    ts DateTime64(3, 'UTC'),
    request_id String,
    key_id String,
    team_id String,
    user_id String,
    kind LowCardinality(String),
    severity LowCardinality(String),
    dimension LowCardinality(String),
    entity String,
    metric LowCardinality(String),
    observed Float64,
    baseline Float64,
    threshold Float64,
    score Float64,
    samples UInt32,
    window_start DateTime64(3, 'UTC'),
    window_seconds UInt32,
    history_windows UInt32,
    summary String,
    details String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
