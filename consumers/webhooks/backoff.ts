// When a failed webhook delivery is tried again.

/** Delay before attempt `attempt + 1`: initial × 2^(attempt−1), capped, ±20 % jitter so retries do not stampede. */
export function backoffMs(attempt: number, initial: number, max: number, random = Math.random): number {
  const base = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
