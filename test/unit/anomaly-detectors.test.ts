// The statistics and the detectors' decisions, on hand-made series: spikes fire, normal noise and cold starts do
// not, rates and means need enough samples, a collapse needs a healthy baseline.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baseline, median, robustZ } from '../../consumers/anomaly/stats.ts';
import { evaluate, type SeriesView, type StatDetector, type Window } from '../../consumers/anomaly/detectors.ts';
import { analyticsSettings } from '../../schemas/config/analytics.ts';

const settings = analyticsSettings({
  anomalies: {
    detectors: {
      spend_spike: { min_value: 0.5, min_ratio: 3 },
      error_rate_spike: { min_samples: 20, min_rate: 0.2, min_delta: 0.1 },
      cache_hit_collapse: { min_samples: 20 },
    },
  },
}).anomalies;
const opts = { historyWindows: 30, minHistoryWindows: 10, zThreshold: 6 };

/** A series whose windows 0..n-1 hold `history` and window n holds `current`. */
function series(history: Window[], current: Window, first = 0): { view: SeriesView; current: number } {
  const windows = new Map<number, Window>();
  history.forEach((w, i) => windows.set(first + i, w));
  windows.set(first + history.length, current);
  return { view: { windows, first }, current: first + history.length };
}
const sums = (values: number[]) => values.map((v) => ({ num: v, den: v > 0 ? 1 : 0 }));
const rates = (values: number[], den: number) => values.map((r) => ({ num: Math.round(r * den), den }));
const run = (d: StatDetector, s: { view: SeriesView; current: number }) => evaluate(d, settings.detectors, s.view, s.current, opts);

describe('robust statistics', () => {
  it('median, MAD-based sigma and z', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    const b = baseline([10, 10, 10, 10, 50]);
    assert.equal(b.median, 10);
    assert.ok(b.sigma > 0, 'the mean absolute deviation floors a zero MAD');
    assert.equal(robustZ(10, b), 0);
    assert.equal(robustZ(5, baseline([5, 5, 5])), 0);
    assert.equal(robustZ(6, baseline([5, 5, 5])), Infinity);
  });

  it('one old spike in the history barely moves the baseline', () => {
    const calm = baseline([1, 1.2, 0.9, 1.1, 1, 1, 0.95, 1.05]);
    const withSpike = baseline([1, 1.2, 0.9, 1.1, 1, 1, 0.95, 100]);
    assert.ok(Math.abs(calm.median - withSpike.median) < 0.05);
  });
});

describe('spend spike (sum)', () => {
  const noisy = [0.1, 0.12, 0.09, 0.11, 0.1, 0.13, 0.08, 0.1, 0.11, 0.12, 0.1, 0.09];
  it('fires on a window far above the usual spend', () => {
    const v = run('spend_spike', series(sums(noisy), { num: 2.5, den: 30 }));
    assert.ok(v, 'spike detected');
    assert.ok(v.score > 6 && v.threshold >= 0.5 && v.observed === 2.5 && v.samples === 30);
  });
  it('stays quiet on normal noise and below the absolute floor', () => {
    assert.equal(run('spend_spike', series(sums(noisy), { num: 0.14, den: 5 })), undefined);
    // 4× the median, z huge, but under min_value: not worth an alert.
    assert.equal(run('spend_spike', series(sums(noisy), { num: 0.45, den: 5 })), undefined);
  });
  it('needs min_history windows (no alerts on cold start)', () => {
    assert.equal(run('spend_spike', series(sums(noisy.slice(0, 5)), { num: 5, den: 30 })), undefined);
  });
  it('counts idle windows as zero spend', () => {
    // Seen once 15 windows ago, silent since: the 14 windows in between are zeros, not missing history.
    const s = { view: { windows: new Map([[0, { num: 0.01, den: 1 }], [15, { num: 3, den: 10 }]]), first: 0 }, current: 15 };
    const v = run('spend_spike', s);
    assert.ok(v, 'a dormant key that suddenly spends is a spike');
    assert.equal(v.baseline.median, 0);
  });
});

describe('error-rate spike (rate)', () => {
  const usual = rates([0.01, 0.02, 0, 0.01, 0.03, 0.02, 0.01, 0, 0.02, 0.01, 0.02], 100);
  it('fires when the error rate jumps', () => {
    const v = run('error_rate_spike', series(usual, { num: 45, den: 100 }));
    assert.ok(v);
    assert.ok(Math.abs(v.observed - 0.45) < 1e-9);
  });
  it('needs min_samples in the window', () => {
    assert.equal(run('error_rate_spike', series(usual, { num: 5, den: 10 })), undefined);
  });
  it('ignores history windows with too few samples', () => {
    const sparse = rates([0.01, 0.02, 0, 0.01, 0.03, 0.02, 0.01, 0, 0.02, 0.01, 0.02], 5);
    assert.equal(run('error_rate_spike', series(sparse, { num: 45, den: 100 })), undefined, 'no usable history');
  });
});

describe('latency regression (mean)', () => {
  const usual = [200, 210, 190, 205, 195, 220, 200, 210, 190, 200, 205].map((ms) => ({ num: ms * 30, den: 30 }));
  it('fires when mean upstream latency doubles', () => {
    assert.ok(run('latency_regression', series(usual, { num: 900 * 30, den: 30 })));
  });
  it('a small absolute change is not a regression even if statistically unusual', () => {
    assert.equal(run('latency_regression', series(usual, { num: 260 * 30, den: 30 })), undefined);
  });
});

describe('cache hit-rate collapse (rate, downwards)', () => {
  it('fires when a healthy hit rate collapses', () => {
    const healthy = rates([0.6, 0.62, 0.58, 0.61, 0.6, 0.59, 0.63, 0.6, 0.61, 0.6, 0.62], 100);
    const v = run('cache_hit_collapse', series(healthy, { num: 5, den: 100 }));
    assert.ok(v);
    assert.ok(v.score < -6);
  });
  it('never fires for an entity that rarely hits the cache', () => {
    const low = rates([0.05, 0.06, 0.04, 0.05, 0.05, 0.06, 0.04, 0.05, 0.05, 0.06, 0.05], 100);
    assert.equal(run('cache_hit_collapse', series(low, { num: 0, den: 100 })), undefined);
  });
});
