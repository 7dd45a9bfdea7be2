-- PII incident rollups per minute and per day, by team, key, user, model, direction, entity and action (same
-- exactly-once reasoning as the usage rollups: the sink inserts each incident id once). `requests` counts distinct
-- requests with an incident (a uniq state: merge with uniqMerge).
CREATE TABLE IF NOT EXISTS {database}.pii_1m
(
    minute DateTime('UTC'),
    team_id String,
    key_id String,
    user_id String,
    model LowCardinality(String),
    direction LowCardinality(String),
    entity LowCardinality(String),
    action LowCardinality(String),
    incidents SimpleAggregateFunction(sum, UInt64),
    requests AggregateFunction(uniq, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, team_id, key_id, user_id, model, direction, entity, action)
TTL minute + INTERVAL {retention_days} DAY;

INSERT INTO {database}.pii_1m
SELECT toStartOfMinute(ts) AS minute, team_id, key_id, user_id, model, direction, entity, action,
    count() AS incidents, uniqState(request_id) AS requests
FROM {database}.pii_incidents
WHERE (SELECT count() FROM {database}.pii_1m) = 0
GROUP BY minute, team_id, key_id, user_id, model, direction, entity, action;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.pii_1m_mv TO {database}.pii_1m AS
SELECT toStartOfMinute(ts) AS minute, team_id, key_id, user_id, model, direction, entity, action,
    count() AS incidents, uniqState(request_id) AS requests
FROM {database}.pii_incidents
GROUP BY minute, team_id, key_id, user_id, model, direction, entity, action;

CREATE TABLE IF NOT EXISTS {database}.pii_1d
(
    day Date,
    team_id String,
    key_id String,
    user_id String,
    model LowCardinality(String),
    direction LowCardinality(String),
    entity LowCardinality(String),
    action LowCardinality(String),
    incidents SimpleAggregateFunction(sum, UInt64),
    requests AggregateFunction(uniq, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, team_id, key_id, user_id, model, direction, entity, action)
TTL day + INTERVAL {retention_days} DAY;

INSERT INTO {database}.pii_1d
SELECT toDate(minute) AS day, team_id, key_id, user_id, model, direction, entity, action,
    sum(incidents) AS incidents, uniqMergeState(requests) AS requests
FROM {database}.pii_1m
WHERE (SELECT count() FROM {database}.pii_1d) = 0
GROUP BY day, team_id, key_id, user_id, model, direction, entity, action;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.pii_1d_mv TO {database}.pii_1d AS
SELECT toDate(minute) AS day, team_id, key_id, user_id, model, direction, entity, action,
    sum(incidents) AS incidents, uniqMergeState(requests) AS requests
FROM {database}.pii_1m
GROUP BY day, team_id, key_id, user_id, model, direction, entity, action;
