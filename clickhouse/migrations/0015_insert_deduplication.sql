-- Insert deduplication for every table the sink writes and every rollup behind them. The sink tags every insert with
-- a token (a hash of its event ids) and retries a failed insert with the very same block and token. If ClickHouse
-- stopped after storing the rows but before answering, the retry is skipped (no duplicate rows); if it stopped
-- before the views stored theirs, the retry is skipped by the table and completed by the views
-- (deduplicate_blocks_in_dependent_materialized_views), so rollups never miss — or double — an event. The window is
-- how many recent inserts each table remembers.
ALTER TABLE {database}.requests MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.audit_events MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.budget_alerts MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.anomalies MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.webhook_deliveries MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.responses MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.pii_incidents MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.ledger_entries MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.cache_events MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.usage_1m MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.usage_1d MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.pii_1m MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.pii_1d MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.spend_1m MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.spend_1d MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.cache_1m MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {database}.cache_1d MODIFY SETTING non_replicated_deduplication_window = 1000;
