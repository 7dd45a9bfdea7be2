// Loads data now and again every refresh interval, without reloading the page; the last good data stays on screen
// while a refresh fails (its error is shown beside it).
import { useContext, useEffect, useState } from 'preact/hooks';
import { createContext } from 'preact';

/** Seconds between refreshes (helix_settings.dashboard.refresh_interval), from the session. */
export const RefreshInterval = createContext(5);

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** Load again now (after a change). */
  reload: () => void;
}

export function usePoll<T>(load: () => Promise<T>, deps: unknown[]): Polled<T> {
  const seconds = useContext(RefreshInterval);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const run = () =>
      load().then(
        (value) => live && (setData(value), setError(undefined)),
        (err: unknown) => live && setError((err as Error).message),
      );
    void run();
    const timer = setInterval(() => void run(), Math.max(1, seconds) * 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [...deps, seconds, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
