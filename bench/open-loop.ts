// An open-loop load generator: requests leave on a fixed schedule (rate per second) whether or not earlier ones have
// been answered, and each latency counts from the moment its request was due — so a slow server shows as latency
// (or as requests not sent), never as a politely lower offered rate (coordinated omission).
import { Pool } from 'undici';
import { percentile } from './lib.ts';

export interface OpenLoopOptions {
  /** Origin and path, e.g. `https://127.0.0.1:8443/v1/chat/completions`. */
  url: string;
  /** PEM of a certificate to trust (a self-signed front). */
  ca?: string;
  rate: number;
  seconds: number;
  /** Sockets to the server at most; requests beyond them wait in the pool's queue (and that wait counts). */
  connections: number;
  /** Requests outstanding at most; a due request past it is not sent and counted as `skipped`. */
  maxInFlight: number;
  body(i: number): string;
  headers(i: number): Record<string, string>;
  /** Called with each answered request's index and status. */
  onAnswer?(i: number, status: number): void;
  /** Give up on a request after this long. */
  timeoutMs?: number;
}

export interface OpenLoopResult {
  /** Requests due in the run. */
  due: number;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  skipped: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
}

const TICK_MS = 2;

export async function openLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(opts.url);
  const timeout = opts.timeoutMs ?? 30_000;
  const pool = new Pool(target.origin, { connections: opts.connections, connect: opts.ca ? { ca: opts.ca } : undefined, headersTimeout: timeout, bodyTimeout: timeout });
  const total = Math.max(0, Math.floor(opts.rate * opts.seconds));
  const latencies = new Float64Array(total);
  const counts = { sent: 0, ok: 0, non2xx: 0, errors: 0, skipped: 0 };
  let inFlight = 0;
  const pending = new Set<Promise<void>>();

  const send = (i: number, dueAt: number) => {
    counts.sent++;
    inFlight++;
    const done = pool
      .request({ path: target.pathname + target.search, method: 'POST', headers: opts.headers(i), body: opts.body(i) })
      .then(async (res) => {
        await res.body.text();
        latencies[counts.ok + counts.non2xx] = performance.now() - dueAt;
        if (res.statusCode >= 200 && res.statusCode < 300) counts.ok++;
        else counts.non2xx++;
        opts.onAnswer?.(i, res.statusCode);
      })
      .catch(() => {
        counts.errors++;
      })
      .finally(() => {
        inFlight--;
        pending.delete(done);
      });
    pending.add(done);
  };

  const started = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) / 1000) * opts.rate) + 1);
      for (; next < due; next++) {
        if (inFlight >= opts.maxInFlight) counts.skipped++;
        else send(next, started + (next * 1000) / opts.rate);
      }
      if (next >= total) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const answered = latencies.subarray(0, counts.ok + counts.non2xx).sort();
  return { due: total, ...counts, seconds, p50: percentile(answered, 0.5), p99: percentile(answered, 0.99), max: answered.at(-1) ?? Number.NaN };
}
