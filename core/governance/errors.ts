// How the governance store fails: a typed error the admin API turns into its own status codes (404, 400, 503), and
// the timeout that turns a Redis that does not answer into 'unavailable'.
import { raceDeadline } from '../../lib/deadline.ts';

export type GovernanceErrorCode = 'not_found' | 'conflict' | 'invalid' | 'unavailable';

export class GovernanceError extends Error {
  override name = 'GovernanceError';
  constructor(
    readonly code: GovernanceErrorCode,
    message: string,
    /** The offending field, for 'invalid'. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const invalid = (field: string, message: string) => new GovernanceError('invalid', `${field}: ${message}`, field);

export const unavailable = (err: unknown) =>
  err instanceof GovernanceError ? err : new GovernanceError('unavailable', `governance store unavailable: ${(err as Error)?.message ?? String(err)}`);

export const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  raceDeadline(promise, ms, () => new GovernanceError('unavailable', `governance store: ${what} timed out after ${ms} ms`));
