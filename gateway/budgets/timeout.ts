// The budget store's Redis calls are bounded (helix_settings.budgets.redis_timeout_ms): a slow Redis fails the call
// instead of stalling the request.
import { raceDeadline } from '../../lib/deadline.ts';

export const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => raceDeadline(promise, ms, () => new Error(`${what} timed out after ${ms} ms`));
