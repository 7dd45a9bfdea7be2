// `helix_settings.analytics`: ClickHouse retention, the sink's batching, anomaly detection and webhooks.
// One TypeBox schema gives the TypeScript type, the validator and the defaults.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ANOMALY_DIMENSIONS, ANOMALY_KINDS } from '../events/anomaly.ts';

const Opt = Type.Optional;
const Dimension = Type.Union(ANOMALY_DIMENSIONS.map((d) => Type.Literal(d)));
const Kind = Type.Union(ANOMALY_KINDS.map((k) => Type.Literal(k)));
const Positive = (def: number, extra: object = {}) => Type.Number({ exclusiveMinimum: 0, default: def, ...extra });
const Fraction = (def: number) => Type.Number({ minimum: 0, maximum: 1, default: def });
/** Observations a window needs before a detector judges it. */
const MinSamples = (def: number) => Type.Integer({ minimum: 1, default: def });

export const SinkSettings = Type.Object(
  {
    /**
     * A ClickHouse insert is made when this many events are buffered (across all partitions and topics)… Large
     * inserts are what ClickHouse is fast at: draining a backlog, 100k-row inserts land ~65k events/s here against
     * ~45k with 50k rows (bench/sink.ts). A full buffer holds ~100 MB of event JSON.
     */
    batch_max_rows: Type.Integer({ minimum: 1, default: 100_000 }),
    /** …or when the oldest buffered event has waited this long. Bounds freshness under light load. */
    batch_linger_ms: Type.Integer({ minimum: 0, default: 250 }),
  },
  { additionalProperties: false, default: {} },
);

/** Fields every detector has; each detector adds its own bounds (see DetectorSettings below). */
const detector = <T extends Record<string, TSchema>>(dimensions: string[], extra: T) =>
  Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      /** The statistics are kept per entity of each listed dimension (empty ids, e.g. keys without a team, are skipped). */
      dimensions: Type.Array(Dimension, { default: dimensions, uniqueItems: true }),
      /** Robust z-score to cross; unset = `anomalies.z_threshold`. */
      z_threshold: Opt(Type.Number({ exclusiveMinimum: 0 })),
      ...extra,
    },
    { additionalProperties: false, default: {} },
  );

export const DetectorSettings = Type.Object(
  {
    /** Spend per window (USD, each response priced as the ledger books it). */
    spend_spike: detector(['key', 'team'], {
      min_value: Positive(0.5, { description: 'USD in one window below which nothing is a spike' }),
      min_ratio: Positive(3, { description: 'observed must be at least this multiple of the baseline median' }),
    }),
    /** Tokens (prompt + completion) per window. */
    token_spike: detector(['key', 'team', 'model'], {
      min_value: Positive(50_000),
      min_ratio: Positive(3),
    }),
    /** Share of requests that failed, per window. */
    error_rate_spike: detector(['provider', 'deployment'], {
      min_samples: MinSamples(20),
      min_rate: Fraction(0.2),
      /** observed − baseline must be at least this (absolute rate). */
      min_delta: Fraction(0.1),
    }),
    /** Mean total latency per window. */
    latency_regression: detector(['provider', 'deployment', 'model'], {
      min_samples: MinSamples(20),
      min_ratio: Positive(1.5),
      min_delta_ms: Type.Number({ minimum: 0, default: 250 }),
    }),
    /** PII incidents per window. */
    pii_surge: detector(['key', 'team'], {
      min_value: Positive(10),
      min_ratio: Positive(3),
    }),
    /** Share of responses served from the cache (exact or semantic), per window. */
    cache_hit_collapse: detector(['team', 'model'], {
      min_samples: MinSamples(50),
      /** Only entities whose usual hit rate is at least this can collapse. */
      min_baseline_rate: Fraction(0.2),
      /** observed must fall to at most this share of the baseline. */
      max_ratio: Fraction(0.5),
    }),
  },
  { additionalProperties: false, default: {} },
);

export const BudgetAlertSettings = Type.Object(
  {
    /** Forward the ledger's budget threshold crossings as `budget_alert` anomalies (and so to webhooks). */
    enabled: Type.Boolean({ default: true }),
    /** Topic id (schemas/topics.ts) the ledger publishes budget alerts on. */
    topic: Type.String({ minLength: 1, default: 'budgetAlerts' }),
    /** Only crossings of at least this fraction of a budget (the ledger's thresholds are e.g. 0.5, 0.8, 1). */
    min_threshold: Type.Number({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false, default: {} },
);

export const AnomalySettings = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Length of one statistics window. */
    window_seconds: Type.Integer({ minimum: 1, default: 60 }),
    /** Windows of history the baseline (median and MAD) is computed over. */
    history_windows: Type.Integer({ minimum: 3, maximum: 1440, default: 60 }),
    /** An entity needs this much history before it can be anomalous (no alerts on cold start). */
    min_history_windows: Type.Integer({ minimum: 2, default: 10 }),
    z_threshold: Positive(6),
    /** After an alert, the same entity and incident group stays quiet this long: one incident, one alert. */
    cooldown_seconds: Type.Integer({ minimum: 1, default: 900 }),
    /** `critical` instead of `warning` when the z-score (or ratio to the baseline) is at least this multiple of the threshold. */
    critical_factor: Positive(3),
    /** Redis key prefix for the shared statistics, watermarks and cooldowns. */
    redis_prefix: Type.String({ minLength: 1, default: 'helix:anomaly:' }),
    detectors: DetectorSettings,
    budget_alerts: BudgetAlertSettings,
  },
  { additionalProperties: false, default: {} },
);

export const WebhookEndpoint = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
    url: Type.String({ minLength: 1 }),
    /** HMAC-SHA256 key for `x-helix-signature` (use `os.environ/NAME`). Required: unsigned webhooks are not sent. */
    secret: Type.String({ minLength: 16 }),
    /** `json`: the anomaly as JSON. `slack`: a Slack incoming-webhook message (also signed). */
    format: Type.Union([Type.Literal('json'), Type.Literal('slack')], { default: 'json' }),
    /** Anomaly kinds to send; empty = all. */
    kinds: Type.Array(Kind, { default: [] }),
    min_severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')], { default: 'warning' }),
    /** Extra request headers (e.g. an auth token the receiver wants). */
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
  },
  { additionalProperties: false },
);

export const WebhookSettings = Type.Object(
  {
    endpoints: Type.Array(WebhookEndpoint, { default: [] }),
    /** Attempts per delivery before it is dead-lettered. */
    max_attempts: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
    /** Delay before the 2nd attempt; doubles per attempt (with ±20 % jitter) up to backoff_max_ms. */
    backoff_initial_ms: Type.Integer({ minimum: 1, default: 1_000 }),
    backoff_max_ms: Type.Integer({ minimum: 1, default: 600_000 }),
    timeout_ms: Type.Integer({ minimum: 100, default: 10_000 }),
    /** Loopback targets (127.0.0.0/8, ::1, localhost) are refused unless this is on. For tests and local receivers. */
    allow_loopback: Type.Boolean({ default: false }),
    /** Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed unless this is off. */
    allow_private_networks: Type.Boolean({ default: true }),
    /** Targets in these CIDRs are allowed even when a rule above refuses them (link-local/metadata included: be sure). */
    allow_cidrs: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    redis_prefix: Type.String({ minLength: 1, default: 'helix:webhooks:' }),
  },
  { additionalProperties: false, default: {} },
);

export const AnalyticsSettings = Type.Object(
  {
    /** Accepted for the roadmap's vocabulary; events always land in ClickHouse. Turn detection off with anomalies.enabled. */
    enabled: Type.Boolean({ default: true }),
    /** ClickHouse TTL of raw events and rollups (applied by migrations; changing it re-applies the TTL on start). */
    retention_days: Type.Integer({ minimum: 1, maximum: 36_500, default: 90 }),
    /** Reserved (roadmap vocabulary); not implemented. */
    export_s3: Opt(Type.String()),
    /** Prometheus metrics of the consumers process (lag, writes) on this port; HELIX_CONSUMERS_METRICS_PORT wins. */
    consumers_metrics_port: Opt(Type.Integer({ minimum: 1, maximum: 65_535 })),
    /**
     * The consumers process's scheduling niceness (0 = as started, 19 = lowest). It is background work behind Kafka;
     * on a machine it shares with a gateway, a lower priority keeps the request path's latency. On its own host, 0.
     */
    consumers_nice: Type.Integer({ minimum: 0, maximum: 19, default: 10 }),
    sink: SinkSettings,
    anomalies: AnomalySettings,
    webhooks: WebhookSettings,
  },
  { additionalProperties: false, default: {} },
);

export type SinkSettings = Static<typeof SinkSettings>;
export type DetectorSettings = Static<typeof DetectorSettings>;
export type AnomalySettings = Static<typeof AnomalySettings>;
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;
export type WebhookSettings = Static<typeof WebhookSettings>;
export type AnalyticsSettings = Static<typeof AnalyticsSettings>;

/** Defaults filled in (for tests and configs without the section). */
export function analyticsSettings(partial: unknown = {}): AnalyticsSettings {
  const value = Value.Default(AnalyticsSettings, Value.Clone(partial ?? {}));
  const first = Value.Errors(AnalyticsSettings, value).First();
  if (first) throw new Error(`analytics settings: ${first.path}: ${first.message}`);
  return value as AnalyticsSettings;
}

/** The section as loaded config has it (older configs without `analytics` get the defaults). */
export function analyticsFromConfig(helixSettings: unknown): AnalyticsSettings {
  const section = (helixSettings as { analytics?: unknown } | undefined)?.analytics;
  return analyticsSettings(section ?? {});
}
