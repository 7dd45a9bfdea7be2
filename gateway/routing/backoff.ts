// Exponential backoff with full jitter, honouring an upstream Retry-After when it gave one.
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, baseMs = 50, capMs = 4_000): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, capMs * 4);
  const exp = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}
