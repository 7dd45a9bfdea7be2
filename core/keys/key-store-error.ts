// How the key store fails: a typed error (not found, conflict, invalid, unavailable) and the timeout that turns a
// Redis that does not answer into 'unavailable'.
import { raceDeadline } from '../../lib/deadline.ts';

export type KeyStoreErrorCode = 'not_found' | 'conflict' | 'invalid' | 'unavailable';

export class KeyStoreError extends Error {
  override name = 'KeyStoreError';
  constructor(
    readonly code: KeyStoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  raceDeadline(promise, ms, () => new KeyStoreError('unavailable', `key store: ${what} timed out after ${ms} ms`));

export const unavailable = (err: unknown) =>
  err instanceof KeyStoreError ? err : new KeyStoreError('unavailable', `key store unavailable: ${(err as Error)?.message ?? String(err)}`);
