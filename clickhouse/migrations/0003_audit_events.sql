-- Admin audit trail (schemas/events/audit.ts AuditEvent): who created, changed, rotated or deleted which key.
CREATE TABLE IF NOT EXISTS {database}.audit_events
(
    event_id UUID,
    type LowCardinality(String),
    schema_version UInt16,
    ts DateTime64(3, 'UTC'),
    request_id String,
    key_id String,
    team_id String,
    user_id String,
    actor String,
    actor_kind LowCardinality(String),
    action LowCardinality(String),
    target_key_alias String,
    changed_fields Array(String),
    changes String,
    client_ip String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
