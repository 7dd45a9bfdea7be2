// Robust statistics over a window history. Median and MAD instead of mean and standard deviation: one earlier
// spike in the history barely moves them, so it neither hides the next one nor becomes the new normal.

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Baseline {
  median: number;
  /** Robust standard deviation: 1.4826 × MAD, floored by 1.2533 × the mean absolute deviation. */
  sigma: number;
  windows: number;
}

/**
 * 1.4826 × MAD estimates σ for normal data. MAD is 0 whenever more than half the windows are equal (e.g. a key idle
 * most of the time), so the mean absolute deviation (× 1.2533, also σ for normal data) is the floor.
 */
export function baseline(history: readonly number[]): Baseline {
  const m = median(history);
  const deviations = history.map((v) => Math.abs(v - m));
  const mad = median(deviations);
  const meanAbs = deviations.length ? deviations.reduce((a, b) => a + b, 0) / deviations.length : 0;
  return { median: m, sigma: Math.max(1.4826 * mad, 1.2533 * meanAbs), windows: history.length };
}

/** How many robust σ `value` lies above (positive) or below (negative) the median; ±Infinity for a flat history. */
export function robustZ(value: number, b: Baseline): number {
  const diff = value - b.median;
  if (b.sigma > 0) return diff / b.sigma;
  return diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
}
