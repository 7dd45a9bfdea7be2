-- Budget threshold crossings (schemas/events/ledger.ts BudgetAlert): which budget, which period, which threshold,
-- limit and spend at the crossing, and the ledger entry that crossed it.
CREATE TABLE IF NOT EXISTS {database}.budget_alerts
(
    event_id UUID,
    type LowCardinality(String),
    schema_version UInt16,
    ts DateTime64(3, 'UTC'),
    request_id String,
    key_id String,
    team_id String,
    user_id String,
    scope String,
    scope_kind LowCardinality(String),
    label String,
    duration LowCardinality(String),
    period String,
    period_start DateTime64(3, 'UTC'),
    threshold Float64,
    severity LowCardinality(String),
    limit_usd Decimal(18, 9),
    spent_usd Decimal(18, 9),
    trigger_event_id UUID,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
