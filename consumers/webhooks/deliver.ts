// Settles one claimed delivery: makes its next attempt and, from the outcome, marks it delivered, schedules the next
// attempt (exponential backoff with jitter: backoff.ts), or dead-letters it (after `max_attempts`, a refused
// target, an endpoint no longer configured, or a stored delivery that can never be sent). Every attempt is recorded.
import type { WebhookEndpoint, WebhookSettings } from '../../schemas/config/analytics.ts';
import type { AnomalyEvent, WebhookDeliveryEvent } from '../../schemas/events/anomaly.ts';
import { logger } from '../../lib/logger.ts';
import type { AttemptFn } from './attempt.ts';
import { backoffMs } from './backoff.ts';
import { deliveryEvent, type AttemptOutcome } from './delivery-event.ts';
import type { Delivery, DeliveryQueue } from './queue.ts';
import { parseDelivery } from './stored-delivery.ts';

export interface DeliverDeps {
  queue: DeliveryQueue;
  settings: WebhookSettings;
  /** Records an attempt (the event bus: → ClickHouse webhook_deliveries). */
  record(event: WebhookDeliveryEvent): void;
  /** Publishes a dead-lettered delivery (`anomaly` unset: the stored one is malformed); must resolve only once it is durable. */
  deadLetter(delivery: Delivery, anomaly: AnomalyEvent | undefined, reason: string): Promise<void>;
}

export function deliverer(deps: DeliverDeps, attemptOnce: AttemptFn, now: () => number): (d: Delivery) => Promise<void> {
  const { settings, queue } = deps;
  const endpoints = new Map(settings.endpoints.map((e) => [e.name, e]));

  const recordAttempt = (d: Delivery, a: AnomalyEvent, endpoint: WebhookEndpoint | undefined, attempt: number, o: AttemptOutcome) =>
    deps.record(deliveryEvent(d, a, endpoint, attempt, o, now()));

  async function deadLetter(d: Delivery, a: AnomalyEvent | undefined, attempts: number, reason: string): Promise<void> {
    await deps.deadLetter(d, a, reason);
    await queue.finish(d.id, 'dead', attempts, reason);
    logger.warn({ delivery: d.id, endpoint: d.endpoint, attempts, reason }, 'webhook delivery dead-lettered');
  }

  return async function handle(d: Delivery): Promise<void> {
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
  };
}
