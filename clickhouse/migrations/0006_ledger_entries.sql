-- The spend ledger (schemas/events/ledger.ts LedgerEntry): one row per charged request or cache hit, written from
-- the ledger topic. Money is exact (Decimal, nano-USD); `counters` names the Redis spend counters each cost went to.
CREATE TABLE IF NOT EXISTS {database}.ledger_entries
(
    event_id UUID,
    type LowCardinality(String),
    schema_version UInt16,
    ts DateTime64(3, 'UTC'),
    request_id String,
    key_id String,
    team_id String,
    user_id String,
    source_event_id UUID,
    source LowCardinality(String),
    model LowCardinality(String),
    provider LowCardinality(String),
    deployment LowCardinality(String),
    requested_model LowCardinality(String),
    endpoint LowCardinality(String),
    prompt_tokens UInt32,
    completion_tokens UInt32,
    cached_tokens UInt32,
    cost_usd Decimal(18, 9),
    input_cost_usd Decimal(18, 9),
    output_cost_usd Decimal(18, 9),
    cache_saved_usd Decimal(18, 9),
    swap_saved_usd Decimal(18, 9),
    price_source LowCardinality(String),
    counters Array(String),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toStartOfHour(ts), event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
