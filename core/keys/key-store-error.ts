// How the key store fails: a typed error (not found, conflict, invalid, unavailable) and the timeout that turns a
// Redis that does not answer into 'unavailable'.

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

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeyStoreError('unavailable', `key store: ${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const unavailable = (err: unknown) =>
  err instanceof KeyStoreError ? err : new KeyStoreError('unavailable', `key store unavailable: ${(err as Error)?.message ?? String(err)}`);
