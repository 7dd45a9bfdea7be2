// Builds the anomaly events (schemas/events/anomaly.ts) the detectors and the budget-alert adapter publish,
// with a one-line summary people read in Slack and Grafana.
import { newEvent } from '../../core/events/envelope.ts';
import { type AnomalyDimension, type AnomalyEvent, type AnomalyKind } from '../../schemas/events/anomaly.ts';
import type { Verdict } from './detectors.ts';

/** Scores are JSON numbers; a flat history gives an infinite z, stored as this (and flagged in details). */
const MAX_SCORE = 1e6;

const TITLES: Record<AnomalyKind, string> = {
  spend_spike: 'Spend spike',
  token_spike: 'Token usage spike',
  error_rate_spike: 'Error-rate spike',
  latency_regression: 'Latency regression',
  pii_surge: 'PII incident surge',
  cache_hit_collapse: 'Cache hit-rate collapse',
  budget_alert: 'Budget alert',
};

export function formatMetric(metric: string, value: number): string {
  if (metric.endsWith('_usd') || metric === 'budget_used') return `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
  if (metric.endsWith('_rate')) return `${(value * 100).toFixed(1)}%`;
  if (metric.endsWith('_ms')) return `${Math.round(value)} ms`;
  return String(Math.round(value * 100) / 100);
}

export interface Subject {
  dimension: AnomalyDimension;
  entity: string;
  key_id: string;
  team_id: string;
  user_id: string;
}

interface Base extends Subject {
  kind: AnomalyKind;
  severity: AnomalyEvent['severity'];
  metric: string;
  observed: number;
  baseline: number;
  threshold: number;
  score: number;
  samples: number;
  windowStartMs: number;
  windowSeconds: number;
  historyWindows: number;
  summary: string;
  details: Record<string, unknown>;
  now?: number;
}

function anomalyEvent(b: Base): AnomalyEvent {
  const finite = Number.isFinite(b.score);
  const subject = { request_id: '', key_id: b.key_id, team_id: b.team_id, user_id: b.user_id };
  return newEvent<AnomalyEvent>('anomaly', subject, {
    kind: b.kind,
    severity: b.severity,
    dimension: b.dimension,
    entity: b.entity,
    metric: b.metric,
    observed: b.observed,
    baseline: b.baseline,
    threshold: b.threshold,
    score: finite ? b.score : Math.sign(b.score) * MAX_SCORE,
    samples: Math.round(b.samples),
    window_start: new Date(b.windowStartMs).toISOString(),
    window_seconds: b.windowSeconds,
    history_windows: b.historyWindows,
    summary: b.summary,
    details: JSON.stringify(finite ? b.details : { ...b.details, flat_history: true }),
  }, { ts: new Date(b.now ?? Date.now()).toISOString() });
}

export function statisticalAnomaly(
  kind: Exclude<AnomalyKind, 'budget_alert'>,
  metric: string,
  subject: Subject,
  verdict: Verdict,
  window: { startMs: number; seconds: number },
  criticalFactor: number,
  now?: number,
): AnomalyEvent {
  const v = verdict;
  const usual = formatMetric(metric, v.baseline.median);
  const seen = formatMetric(metric, v.observed);
  const z = Number.isFinite(v.score) ? `z=${v.score.toFixed(1)}` : 'flat history';
  return anomalyEvent({
    ...subject,
    kind,
    severity: v.strength >= criticalFactor ? 'critical' : 'warning',
    metric,
    observed: v.observed,
    baseline: v.baseline.median,
    threshold: v.threshold,
    score: v.score,
    samples: v.samples,
    windowStartMs: window.startMs,
    windowSeconds: window.seconds,
    historyWindows: v.baseline.windows,
    summary: `${TITLES[kind]} for ${subject.dimension} ${subject.entity}: ${seen} in ${window.seconds} s (usually ${usual}, threshold ${formatMetric(metric, v.threshold)}, ${z})`,
    details: { sigma: v.baseline.sigma, strength: v.strength },
    now,
  });
}

export function budgetAnomaly(input: {
  subject: Subject;
  spend: number;
  budget: number;
  severity: AnomalyEvent['severity'];
  sourceEventId: string;
  windowStartMs: number;
  details: Record<string, unknown>;
}): AnomalyEvent {
  const used = input.budget > 0 ? input.spend / input.budget : 0;
  const { subject } = input;
  return anomalyEvent({
    ...subject,
    kind: 'budget_alert',
    severity: input.severity,
    metric: 'budget_used',
    observed: input.spend,
    baseline: 0,
    threshold: input.budget,
    score: 0,
    samples: 1,
    windowStartMs: input.windowStartMs,
    windowSeconds: 0,
    historyWindows: 0,
    summary: `${TITLES.budget_alert} for ${subject.dimension} ${subject.entity}: ${formatMetric('budget_used', input.spend)} of ${formatMetric('budget_used', input.budget)} (${(used * 100).toFixed(0)}%)`,
    details: { ...input.details, source_event_id: input.sourceEventId, used_fraction: used },
  });
}
