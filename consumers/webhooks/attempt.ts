// One webhook delivery attempt: the anomaly rendered for the endpoint, signed, POSTed, and the answer classified
// (delivered on 2xx; refused when the address guard stops it; failed otherwise).
import type { WebhookEndpoint } from '../../schemas/config/analytics.ts';
import type { AnomalyEvent } from '../../schemas/events/anomaly.ts';
import { TargetRefused, type TargetGuard } from './address-guard.ts';
import type { AttemptOutcome } from './delivery-event.ts';
import type { PostFn } from './http-post.ts';
import { renderBody } from './payload.ts';
import { signedHeaders } from './signing.ts';

export type AttemptFn = (endpoint: WebhookEndpoint, a: AnomalyEvent, attempt: number) => Promise<Omit<AttemptOutcome, 'nextAttemptAt'>>;

export function attempter(opts: { guard: TargetGuard; post: PostFn; timeoutMs: number; now: () => number }): AttemptFn {
  return async (endpoint, a, attempt) => {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    try {
      const url = opts.guard.checkUrl(endpoint.url);
      const body = renderBody(a, endpoint.format);
      const headers = { ...endpoint.headers, ...signedHeaders(endpoint.secret, body, a.event_id, attempt, opts.now()) };
      const code = await opts.post(url, body, headers, opts.timeoutMs);
      if (code >= 200 && code < 300) return { status: 'delivered', httpStatus: code, error: '', latencyMs: elapsed() };
      return { status: 'failed', httpStatus: code, error: `HTTP ${code}`, latencyMs: elapsed() };
    } catch (err) {
      const refused = err instanceof TargetRefused || (err as { cause?: unknown }).cause instanceof TargetRefused;
      const message = err instanceof Error ? err.message : String(err);
      return { status: refused ? 'refused' : 'failed', httpStatus: 0, error: message, latencyMs: elapsed() };
    }
  };
}
