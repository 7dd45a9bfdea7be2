-- Webhook delivery attempts (schemas/events/anomaly.ts WebhookDeliveryEvent): every attempt to deliver an anomaly
-- to an endpoint — delivered, failed (with the next attempt's time), refused (target not allowed), dead_lettered.
CREATE TABLE IF NOT EXISTS {database}.webhook_deliveries
(
    event_id UUID,
    type LowCardinality(String),
    schema_version UInt16,
    ts DateTime64(3, 'UTC'),
    request_id String,
    key_id String,
    team_id String,
    user_id String,
    anomaly_id UUID,
    anomaly_kind LowCardinality(String),
    endpoint LowCardinality(String),
    target String,
    format LowCardinality(String),
    attempt UInt32,
    status LowCardinality(String),
    http_status UInt16,
    error String,
    latency_ms Float64,
    next_attempt_at DateTime64(3, 'UTC'),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
