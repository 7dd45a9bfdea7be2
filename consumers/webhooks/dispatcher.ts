// Makes webhook delivery attempts: claims due deliveries, POSTs the signed payload, and records every attempt
// (delivered, failed with its next attempt time, refused, dead-lettered). Failures are retried with exponential
// backoff and jitter; after `max_attempts` the delivery is dead-lettered (DLQ topic, with the reason). A stored
// delivery that is not a valid anomaly (it can never be sent) is dead-lettered at once, not claimed again.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { WebhookEndpoint, WebhookSettings } from '../../schemas/config/analytics.ts';
import { ANOMALY_SCHEMA_VERSION, type AnomalyEvent, type WebhookDeliveryEvent, type WebhookDeliveryStatus } from '../../schemas/events/anomaly.ts';
import { validateEvent } from '../../schemas/events.ts';
import { logger } from '../../lib/logger.ts';
import { TargetRefused, type TargetGuard } from './address-guard.ts';
import { renderBody } from './payload.ts';
import type { Delivery, DeliveryQueue } from './queue.ts';
import { signedHeaders } from './signing.ts';

export type PostFn = (url: URL, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<number>;

export interface DispatcherDeps {
  queue: DeliveryQueue;
  settings: WebhookSettings;
  guard: TargetGuard;
  /** Records an attempt (the event bus: → ClickHouse webhook_deliveries). */
  record(event: WebhookDeliveryEvent): void;
  /** Publishes a dead-lettered delivery (`anomaly` unset: the stored one is malformed); must resolve only once it is durable. */
  deadLetter(delivery: Delivery, anomaly: AnomalyEvent | undefined, reason: string): Promise<void>;
  post?: PostFn;
  now?: () => number;
  pollMs?: number;
  /** Deliveries attempted at once. */
  concurrency?: number;
}

const CLAIM_MARGIN_MS = 30_000;

/** Delay before attempt `attempt + 1`: initial × 2^(attempt−1), capped, ±20 % jitter so retries do not stampede. */
export function backoffMs(attempt: number, initial: number, max: number, random = Math.random): number {
  const base = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Scheme, host and path: what we store about a target (its query string may carry a token). */
export const targetOf = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
};

/** POST through an agent whose DNS lookup refuses forbidden addresses; no redirects are followed. */
export function guardedPost(guard: TargetGuard): PostFn {
  const agent = new Agent({ connect: { lookup: guard.lookup } });
  return async (url, body, headers, timeoutMs) => {
    const res = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'helix-webhooks/1', ...headers },
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode;
  };
}

/** The delivery's anomaly, or why the stored delivery can never be sent. */
export function parseDelivery(d: Delivery): { ok: true; anomaly: AnomalyEvent } | { ok: false; reason: string } {
  if (!Number.isInteger(d.attempts) || d.attempts < 0) return { ok: false, reason: 'attempts is not a count' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(d.anomaly);
  } catch {
    return { ok: false, reason: 'anomaly is not JSON' };
  }
  const result = validateEvent(parsed);
  if (!result.ok) return result;
  return result.event.type === 'anomaly' ? { ok: true, anomaly: result.event } : { ok: false, reason: `not an anomaly: ${result.event.type}` };
}

interface Outcome {
  status: WebhookDeliveryStatus;
  httpStatus: number;
  error: string;
  latencyMs: number;
  nextAttemptAt: number;
}

export function createDispatcher(deps: DispatcherDeps) {
  const { settings, queue } = deps;
  const now = deps.now ?? Date.now;
  const post = deps.post ?? guardedPost(deps.guard);
  const endpoints = new Map(settings.endpoints.map((e) => [e.name, e]));
  const leaseMs = settings.timeout_ms + CLAIM_MARGIN_MS;
  let stopped = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  const recordAttempt = (d: Delivery, a: AnomalyEvent, endpoint: WebhookEndpoint | undefined, attempt: number, o: Outcome) =>
    deps.record({
      event_id: randomUUID(),
      type: 'webhook_delivery',
      schema_version: ANOMALY_SCHEMA_VERSION,
      ts: new Date(now()).toISOString(),
      request_id: '',
      key_id: a.key_id,
      team_id: a.team_id,
      user_id: a.user_id,
      anomaly_id: a.event_id,
      anomaly_kind: a.kind,
      endpoint: d.endpoint,
      target: endpoint ? targetOf(endpoint.url) : '',
      format: endpoint?.format ?? '',
      attempt,
      status: o.status,
      http_status: o.httpStatus,
      error: o.error.slice(0, 500),
      latency_ms: Math.round(o.latencyMs * 1000) / 1000,
      next_attempt_at: new Date(o.nextAttemptAt).toISOString(),
    });

  async function attemptOnce(endpoint: WebhookEndpoint, a: AnomalyEvent, attempt: number): Promise<Omit<Outcome, 'nextAttemptAt'>> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    try {
      const url = deps.guard.checkUrl(endpoint.url);
      const body = renderBody(a, endpoint.format);
      const headers = { ...endpoint.headers, ...signedHeaders(endpoint.secret, body, a.event_id, attempt, now()) };
      const code = await post(url, body, headers, settings.timeout_ms);
      if (code >= 200 && code < 300) return { status: 'delivered', httpStatus: code, error: '', latencyMs: elapsed() };
      return { status: 'failed', httpStatus: code, error: `HTTP ${code}`, latencyMs: elapsed() };
    } catch (err) {
      const refused = err instanceof TargetRefused || (err as { cause?: unknown }).cause instanceof TargetRefused;
      const message = err instanceof Error ? err.message : String(err);
      return { status: refused ? 'refused' : 'failed', httpStatus: 0, error: message, latencyMs: elapsed() };
    }
  }

  async function deadLetter(d: Delivery, a: AnomalyEvent | undefined, attempts: number, reason: string): Promise<void> {
    await deps.deadLetter(d, a, reason);
    await queue.finish(d.id, 'dead', attempts, reason);
    logger.warn({ delivery: d.id, endpoint: d.endpoint, attempts, reason }, 'webhook delivery dead-lettered');
  }

  async function handle(d: Delivery): Promise<void> {
    const parsed = parseDelivery(d);
    if (!parsed.ok) return deadLetter(d, undefined, 0, `malformed delivery: ${parsed.reason}`);
    const a = parsed.anomaly;
    const endpoint = endpoints.get(d.endpoint);
    if (!endpoint) {
      recordAttempt(d, a, undefined, d.attempts, { status: 'dead_lettered', httpStatus: 0, error: 'endpoint no longer configured', latencyMs: 0, nextAttemptAt: 0 });
      return deadLetter(d, a, d.attempts, 'endpoint no longer configured');
    }
    // A previous worker made the last attempt but died before dead-lettering: finish its job.
    if (d.attempts >= settings.max_attempts) return deadLetter(d, a, d.attempts, d.lastError || 'attempts exhausted');
    const attempt = d.attempts + 1;
    const o = await attemptOnce(endpoint, a, attempt);
    if (o.status === 'delivered') {
      recordAttempt(d, a, endpoint, attempt, { ...o, nextAttemptAt: 0 });
      return queue.finish(d.id, 'delivered', attempt, '');
    }
    // A refused target will not become allowed by waiting: dead-letter at once.
    if (o.status === 'refused') {
      recordAttempt(d, a, endpoint, attempt, { ...o, nextAttemptAt: 0 });
      return deadLetter(d, a, attempt, `target refused: ${o.error}`);
    }
    if (attempt >= settings.max_attempts) {
      recordAttempt(d, a, endpoint, attempt, { ...o, status: 'dead_lettered', nextAttemptAt: 0 });
      return deadLetter(d, a, attempt, `${o.error} after ${attempt} attempts`);
    }
    const next = now() + backoffMs(attempt, settings.backoff_initial_ms, settings.backoff_max_ms);
    recordAttempt(d, a, endpoint, attempt, { ...o, nextAttemptAt: next });
    await queue.retryAt(d.id, attempt, next, o.error);
  }

  /** Attempts every due delivery once; returns how many it handled. */
  async function tick(): Promise<number> {
    const due = await queue.claim(now(), leaseMs, deps.concurrency ?? 16);
    await Promise.all(
      due.map((d) =>
        handle(d).catch((err: unknown) => {
          // Left claimed: it comes due again when the lease ends.
          logger.error({ err: (err as Error).message, delivery: d.id }, 'webhook delivery failed unexpectedly');
        }),
      ),
    );
    return due.length;
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const handled = await tick().catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'webhook queue unavailable');
        return 0;
      });
      if (handled > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deps.pollMs ?? 250);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    tick,
    start() {
      loop ??= run();
    },
    /** New deliveries were queued: look now rather than at the next poll. */
    poke() {
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
