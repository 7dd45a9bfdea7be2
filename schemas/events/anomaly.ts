// Anomaly messages. `anomaly` (topic helix.anomalies → ClickHouse `anomalies`): one per incident the anomaly
// consumer group detected (or a budget alert it forwarded). `webhook_delivery` (topic helix.webhook.deliveries →
// ClickHouse `webhook_deliveries`): one per attempt to deliver an anomaly to a configured webhook endpoint.
// Same conventions as schemas/events.ts: the versioned envelope, and a `ch` ClickHouse column type per field.
import { Type, type Static } from '@sinclair/typebox';
import { col, eventHead, f64, lc, str, typeTag, u32 } from '../columns.ts';

export const ANOMALY_KINDS = [
  'spend_spike',
  'token_spike',
  'error_rate_spike',
  'latency_regression',
  'pii_surge',
  'cache_hit_collapse',
  'budget_alert',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** What an anomaly is about: the statistics are kept per entity of each of these dimensions. */
export const ANOMALY_DIMENSIONS = ['key', 'team', 'user', 'model', 'provider', 'deployment'] as const;
export type AnomalyDimension = (typeof ANOMALY_DIMENSIONS)[number];

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const dateTime = () => col(Type.String(), "DateTime64(3, 'UTC')");

export const AnomalyEvent = Type.Object({
  /** Also the incident id: webhook receivers dedupe on it (x-helix-webhook-id). */
  ...eventHead(typeTag('anomaly')),
  kind: col(literals(ANOMALY_KINDS), 'LowCardinality(String)'),
  severity: col(literals(['warning', 'critical'] as const), 'LowCardinality(String)'),
  dimension: col(literals(ANOMALY_DIMENSIONS), 'LowCardinality(String)'),
  /** The entity's id in that dimension: a key id, team id, model name … */
  entity: str(),
  /** The measured quantity: spend_usd, tokens, error_rate, latency_ms, pii_incidents, cache_hit_rate, budget_used. */
  metric: lc(),
  /** Value in the anomalous window. */
  observed: f64(),
  /** Median of the history windows. */
  baseline: f64(),
  /** The value `observed` had to cross (the larger of the statistical and the absolute bounds). */
  threshold: f64(),
  /** Robust z-score: (observed − median) / (1.4826 × MAD); 0 when not statistical (budget alerts). */
  score: f64(),
  /** Samples in the window (requests for rates and means, events for counts). */
  samples: u32(),
  window_start: dateTime(),
  window_seconds: u32(),
  /** History windows the baseline was computed from. */
  history_windows: u32(),
  /** One line for humans (and for Slack). */
  summary: str(),
  /** JSON object with detector-specific context (never secrets or prompts). */
  details: str(),
});

export const WEBHOOK_DELIVERY_STATUSES = ['delivered', 'failed', 'dead_lettered', 'refused'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const WebhookDeliveryEvent = Type.Object({
  ...eventHead(typeTag('webhook_delivery')),
  /** The anomaly (its event_id) this attempt delivered. */
  anomaly_id: col(Type.String({ format: 'uuid' }), 'UUID'),
  anomaly_kind: lc(),
  endpoint: lc(),
  /** Scheme, host and path of the target: never its query string (it may carry a token). */
  target: str(),
  format: lc(),
  attempt: u32(),
  status: col(literals(WEBHOOK_DELIVERY_STATUSES), 'LowCardinality(String)'),
  /** 0 when no HTTP answer arrived (connect error, timeout, refused target). */
  http_status: col(Type.Integer({ minimum: 0 }), 'UInt16'),
  error: str(),
  latency_ms: f64(),
  /** When the next attempt is due (failed only); the epoch otherwise. */
  next_attempt_at: dateTime(),
});

export type AnomalyEvent = Static<typeof AnomalyEvent>;
export type WebhookDeliveryEvent = Static<typeof WebhookDeliveryEvent>;
