-- Response events carry what the ledger needs beyond tokens (schemas/events/ledger.ts RESPONSE_LEDGER_FIELDS):
-- prompt-cache reads and the model the client asked for when the optimizer swapped it. Older rows read the defaults.
ALTER TABLE {database}.responses ADD COLUMN IF NOT EXISTS cached_tokens UInt32 DEFAULT 0 AFTER cache;
ALTER TABLE {database}.responses ADD COLUMN IF NOT EXISTS model_swapped_from LowCardinality(String) DEFAULT '' AFTER cached_tokens;
