// Fail-closed entry points for the gateway. A scanner failure never lets a request through unscanned unless the
// settings say `on_error: allow`; errors carry no request text.
import type { PiiPolicy } from './policy.ts';
import { scanResponseText, type ResponseScanResult } from './output.ts';
import { walkRequest, type RequestKind, type WalkOptions, type WalkResult } from './request-walker.ts';
import type { FindingEntity } from './types.ts';

export interface PiiErrorBody {
  error: { type: 'invalid_request_error' | 'server_error'; code: 'pii_detected' | 'pii_scan_failed'; message: string; entities?: FindingEntity[] };
}

export type GuardOutcome<T> =
  /** Scanned: forward `result.body` (possibly rewritten) and emit `result.findings`. */
  | { outcome: 'forward'; result: WalkResult<T> }
  /** A `block` entity was found: answer `status` with `body`; findings are still to be emitted. */
  | { outcome: 'block'; status: 400; body: PiiErrorBody; result: WalkResult<T> }
  /** The scanner threw and `on_error` is `block`: answer `status` with `body`, do not forward. */
  | { outcome: 'refuse'; status: 500; body: PiiErrorBody; cause: unknown }
  /** The scanner threw and `on_error` is `allow`: forward the original body unscanned (and alert). */
  | { outcome: 'forward_unscanned'; cause: unknown; body: T };

export function blockedMessage(entities: readonly FindingEntity[]): string {
  return `Request blocked by PII protection: it contains ${entities.join(', ')}. Remove these values and retry.`;
}

export function guardRequest<T extends object>(kind: RequestKind, body: T, policy: PiiPolicy, options?: WalkOptions): GuardOutcome<T> {
  let result: WalkResult<T>;
  try {
    result = walkRequest(kind, body, policy, options);
  } catch (cause) {
    return onScanError(cause, policy, body);
  }
  if (result.blocked) {
    return {
      outcome: 'block',
      status: 400,
      body: { error: { type: 'invalid_request_error', code: 'pii_detected', message: blockedMessage(result.blockedEntities), entities: result.blockedEntities } },
      result,
    };
  }
  return { outcome: 'forward', result };
}

export type ResponseGuardOutcome =
  | { outcome: 'forward'; result: ResponseScanResult }
  | { outcome: 'refuse'; status: 500; body: PiiErrorBody; cause: unknown }
  | { outcome: 'forward_unscanned'; cause: unknown; body: string };

/** Output scanning of one text with the same fail-closed rule (`block` acts as `redact` on output). */
export function guardResponseText(text: string, policy: PiiPolicy): ResponseGuardOutcome {
  try {
    return { outcome: 'forward', result: scanResponseText(text, policy) };
  } catch (cause) {
    return onScanError(cause, policy, text);
  }
}

function onScanError<B>(cause: unknown, policy: PiiPolicy, body: B): { outcome: 'refuse'; status: 500; body: PiiErrorBody; cause: unknown } | { outcome: 'forward_unscanned'; cause: unknown; body: B } {
  if (policy.settings.on_error === 'allow') return { outcome: 'forward_unscanned', cause, body };
  return {
    outcome: 'refuse',
    status: 500,
    body: { error: { type: 'server_error', code: 'pii_scan_failed', message: 'PII protection could not scan this request; it was not forwarded.' } },
    cause,
  };
}

export type Guarded<R> = { ok: true; value: R } | { ok: false; refuse: boolean; cause: unknown };

/** Runs any scan step fail-closed: on a throw, `refuse` says whether the caller must refuse (`on_error`). */
export function guard<R>(policy: PiiPolicy, scan: () => R): Guarded<R> {
  try {
    return { ok: true, value: scan() };
  } catch (cause) {
    return { ok: false, refuse: policy.settings.on_error !== 'allow', cause };
  }
}
