// The statistical detectors: what each event contributes to which series, and when a window is anomalous.
// A series is (detector, dimension, entity) with one (num, den) pair per time window: sums use num (spend, tokens,
// PII incidents), rates num/den (errors per request, cache hits per response), means num/den (latency).
import type { AnomalyDimension, AnomalyKind } from '../../schemas/events/anomaly.ts';
import type { DetectorSettings } from '../../schemas/config/analytics.ts';
import type { ResponseEvent } from '../../schemas/events.ts';
import { baseline, robustZ, type Baseline } from './stats.ts';

export type StatDetector = Exclude<AnomalyKind, 'budget_alert'>;
export const STAT_DETECTORS = ['spend_spike', 'token_spike', 'error_rate_spike', 'latency_regression', 'pii_surge', 'cache_hit_collapse'] as const satisfies readonly StatDetector[];

type Shape = 'sum' | 'rate_up' | 'mean_up' | 'rate_down';

export interface Window {
  num: number;
  den: number;
}

interface Spec {
  shape: Shape;
  metric: string;
  /** Detectors of one group describe one incident: they share a cooldown, and the first listed wins a tie. */
  group: string;
  source: 'response' | 'pii';
}

export const SPECS: Record<StatDetector, Spec> = {
  spend_spike: { shape: 'sum', metric: 'spend_usd', group: 'usage', source: 'response' },
  token_spike: { shape: 'sum', metric: 'tokens', group: 'usage', source: 'response' },
  error_rate_spike: { shape: 'rate_up', metric: 'error_rate', group: 'errors', source: 'response' },
  latency_regression: { shape: 'mean_up', metric: 'upstream_latency_ms', group: 'latency', source: 'response' },
  pii_surge: { shape: 'sum', metric: 'pii_incidents', group: 'pii', source: 'pii' },
  cache_hit_collapse: { shape: 'rate_down', metric: 'cache_hit_rate', group: 'cache', source: 'response' },
};

const cacheHit = (e: ResponseEvent) => e.cache === 'exact' || e.cache === 'semantic';
/** Failures the provider is responsible for (auth, limits and bad requests are the caller's). */
const upstreamError = (e: ResponseEvent) => e.status === 'error' && e.http_status >= 500;

/** What one response contributes to each response-fed detector; undefined = not a sample of that detector. */
export function responseContribution(detector: StatDetector, e: ResponseEvent, costUsd: number): Window | undefined {
  switch (detector) {
    case 'spend_spike':
      return costUsd > 0 ? { num: costUsd, den: 1 } : undefined;
    case 'token_spike':
      return e.total_tokens > 0 ? { num: e.total_tokens, den: 1 } : undefined;
    case 'error_rate_spike':
      return e.provider ? { num: upstreamError(e) ? 1 : 0, den: 1 } : undefined;
    case 'latency_regression':
      return e.status === 'ok' && !cacheHit(e) && e.upstream_ms > 0 ? { num: e.upstream_ms, den: 1 } : undefined;
    case 'cache_hit_collapse':
      return e.status === 'ok' ? { num: cacheHit(e) ? 1 : 0, den: 1 } : undefined;
    case 'pii_surge':
      return undefined;
  }
}

export interface Verdict {
  observed: number;
  baseline: Baseline;
  threshold: number;
  score: number;
  samples: number;
  /** How far past the bound, for severity: z / z_threshold, or the ratio to the baseline over its minimum. */
  strength: number;
}

export interface SeriesView {
  windows: Map<number, Window>;
  /** First window the series was seen in (history before it does not exist, rather than being zero). */
  first: number;
}

export interface EvalOptions {
  historyWindows: number;
  minHistoryWindows: number;
  zThreshold: number;
}

/** Sums: every window since the series began counts (idle windows are zeros). Rates and means: only windows with enough samples. */
function history(shape: Shape, series: SeriesView, current: number, historyWindows: number, minSamples: number): number[] {
  const values: number[] = [];
  for (let w = Math.max(series.first, current - historyWindows); w < current; w++) {
    const win = series.windows.get(w);
    if (shape === 'sum') values.push(win?.num ?? 0);
    else if (win && win.den >= minSamples) values.push(win.num / win.den);
  }
  return values;
}

/** Is the series' `current` window anomalous for this detector? */
export function evaluate(detector: StatDetector, settings: DetectorSettings, series: SeriesView, current: number, opts: EvalOptions): Verdict | undefined {
  const spec = SPECS[detector];
  const win = series.windows.get(current);
  if (!win || win.den === 0) return undefined;
  const cfg = settings[detector];
  const z = cfg.z_threshold ?? opts.zThreshold;
  const minSamples = 'min_samples' in cfg ? cfg.min_samples : 1;
  if (win.den < minSamples) return undefined;
  const past = history(spec.shape, series, current, opts.historyWindows, minSamples);
  if (past.length < opts.minHistoryWindows) return undefined;
  const b = baseline(past);
  const observed = spec.shape === 'sum' ? win.num : win.num / win.den;
  const score = robustZ(observed, b);
  const at = (threshold: number, strength: number): Verdict => ({ observed, baseline: b, threshold, score, samples: win.den, strength });
  const statistical = b.median + z * b.sigma;
  switch (detector) {
    case 'spend_spike':
    case 'token_spike':
    case 'pii_surge': {
      const c = settings[detector];
      const threshold = Math.max(statistical, c.min_ratio * b.median, c.min_value);
      return observed >= threshold && score >= z ? at(threshold, Math.min(score / z, b.median > 0 ? observed / b.median / c.min_ratio : Infinity)) : undefined;
    }
    case 'error_rate_spike': {
      const c = settings.error_rate_spike;
      const threshold = Math.max(statistical, c.min_rate, b.median + c.min_delta);
      return observed >= threshold && score >= z ? at(threshold, score / z) : undefined;
    }
    case 'latency_regression': {
      const c = settings.latency_regression;
      const threshold = Math.max(statistical, c.min_ratio * b.median, b.median + c.min_delta_ms);
      return observed >= threshold && score >= z ? at(threshold, Math.min(score / z, observed / b.median / c.min_ratio)) : undefined;
    }
    case 'cache_hit_collapse': {
      const c = settings.cache_hit_collapse;
      if (b.median < c.min_baseline_rate) return undefined;
      const threshold = Math.min(b.median - z * b.sigma, c.max_ratio * b.median);
      return observed <= threshold && -score >= z ? at(threshold, -score / z) : undefined;
    }
  }
}

export const entityOf = (dimension: AnomalyDimension, e: { key_id: string; team_id: string; user_id: string; model?: string; provider?: string; deployment?: string }): string => {
  switch (dimension) {
    case 'key':
      return e.key_id;
    case 'team':
      return e.team_id;
    case 'user':
      return e.user_id;
    case 'model':
      return e.model ?? '';
    case 'provider':
      return e.provider ?? '';
    case 'deployment':
      return e.deployment ?? '';
  }
};
