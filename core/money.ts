// Money as integers of nano-USD (1e-9 USD): the unit of the Redis spend counters and of ClickHouse's
// Decimal(18, 9) columns. Floats never accumulate: every amount is rounded to a nano once, where it is priced, and
// from then on only integers are added — so the ledger, its replay and ClickHouse agree to the last nano.
// Lua in Redis computes with doubles: integers stay exact up to 2^53 nano ≈ 9 million USD per counter.

export const NANO_PER_USD = 1_000_000_000;

/** USD → nano-USD, rounded half away from zero. */
export function toNano(usd: number): number {
  if (!Number.isFinite(usd)) return 0;
  return Math.sign(usd) * Math.round(Math.abs(usd) * NANO_PER_USD);
}

/** nano-USD → USD (exact for every amount below 2^53 nano: the decimal text has at most 9 fraction digits). */
export function usdFromNano(nano: number): number {
  return nano / NANO_PER_USD;
}

/**
 * nano-USD per token from a USD-per-token price. Prices like 2.5e-6 are not exact doubles (×1e9 gives
 * 2499.9999999999995); rounding to a millionth of a nano removes that noise without touching real prices.
 */
export function nanoPerToken(usdPerToken: number): number {
  return Math.round(usdPerToken * NANO_PER_USD * 1e6) / 1e6;
}

/** A decimal text ("1.5", "-0.000000012", ClickHouse's Decimal output) → nano-USD, exactly (no float parsing). */
export function nanoFromDecimal(text: string): number {
  const negative = text.startsWith('-');
  const [int = '0', frac = ''] = text.replace(/^[-+]/, '').split('.');
  const nano = Number(int) * NANO_PER_USD + Number(frac.padEnd(9, '0').slice(0, 9));
  return negative ? -nano : nano;
}

/** For humans: `$0.0123`, with more digits for tiny amounts so they don't print as `$0.0000`. */
export function formatUsd(usd: number): string {
  const abs = Math.abs(usd);
  const digits = abs === 0 ? 2 : abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  return `${usd < 0 ? '-' : ''}$${abs.toFixed(digits)}`;
}
