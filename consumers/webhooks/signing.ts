// Webhook signatures: HMAC-SHA256 over `${timestamp}.${body}` with the endpoint's secret, sent as
// `x-helix-webhook-signature: v1=<hex>` next to `x-helix-webhook-timestamp: <unix seconds>`. Signing the timestamp
// with the body lets receivers reject replays: a captured request is only accepted within the tolerance window.
// docs/webhooks.md shows receivers how to verify (this module is also what our tests verify with).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-helix-webhook-signature';
export const TIMESTAMP_HEADER = 'x-helix-webhook-timestamp';
export const ID_HEADER = 'x-helix-webhook-id';
export const ATTEMPT_HEADER = 'x-helix-webhook-attempt';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function signedHeaders(secret: string, body: string, id: string, attempt: number, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [ID_HEADER]: id,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signature(secret, timestamp, body),
    [ATTEMPT_HEADER]: String(attempt),
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing headers' | 'stale timestamp' | 'bad signature' };

/** What a receiver does: recompute the HMAC over the raw body, compare in constant time, check the timestamp. */
export function verifySignature(
  secret: string,
  rawBody: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  opts: { toleranceSeconds?: number; nowMs?: number } = {},
): VerifyResult {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !headers.timestamp || !Number.isInteger(ts)) return { ok: false, reason: 'missing headers' };
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(signature(secret, ts, rawBody));
  // Several signatures may be sent (comma-separated) while a secret is being rotated: any match is enough.
  const matches = headers.signature.split(',').some((s) => {
    const given = Buffer.from(s.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'bad signature' };
}
