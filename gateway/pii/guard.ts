// Fail-closed entry points for the gateway. A scanner failure never lets a request through unscanned unless the
// settings say `on_error: allow`; errors carry no request text.
import { GatewayError } from '../errors.ts';
import type { PiiPolicy } from './policy.ts';
import { walkRequest, type RequestKind, type WalkOptions, type WalkResult } from './request-walker.ts';
import type { FindingEntity } from './types.ts';

export type GuardOutcome<T> =
  /** Scanned: forward `result.body` (possibly rewritten) and emit `result.findings`. */
  | { outcome: 'forward'; result: WalkResult<T> }
  /** A `block` entity was found: answer with `error` (400 pii_detected); findings are still to be emitted. */
  | { outcome: 'block'; error: GatewayError; result: WalkResult<T> }
  /** The scanner threw and `on_error` is `block`: answer with `error` (500 pii_scan_failed), do not forward. */
  | { outcome: 'refuse'; error: GatewayError; cause: unknown }
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
    if (policy.settings.on_error === 'allow') return { outcome: 'forward_unscanned', cause, body };
    const error = new GatewayError('pii_scan_failed', 'PII protection could not scan this request; it was not forwarded.');
    return { outcome: 'refuse', error, cause };
  }
  if (result.blocked) {
    const error = new GatewayError('pii_detected', blockedMessage(result.blockedEntities), { param: 'messages' });
    return { outcome: 'block', error, result };
  }
  return { outcome: 'forward', result };
}
