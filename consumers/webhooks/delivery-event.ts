// The record of one webhook delivery attempt (the event bus carries it to ClickHouse webhook_deliveries).
import type { WebhookEndpoint } from '../../schemas/config/analytics.ts';
import { newEvent } from '../../core/events/envelope.ts';
import type { AnomalyEvent, WebhookDeliveryEvent, WebhookDeliveryStatus } from '../../schemas/events/anomaly.ts';
import type { Delivery } from './queue.ts';
import { targetOf } from './target.ts';

export interface AttemptOutcome {
  status: WebhookDeliveryStatus;
  httpStatus: number;
  error: string;
  latencyMs: number;
  /** Epoch ms of the next attempt; 0 when there is none. */
  nextAttemptAt: number;
}

/** The event recording attempt `attempt` of delivery `d` (of anomaly `a`) to `endpoint`, made at `at` (epoch ms). */
export const deliveryEvent = (d: Delivery, a: AnomalyEvent, endpoint: WebhookEndpoint | undefined, attempt: number, o: AttemptOutcome, at: number): WebhookDeliveryEvent =>
  newEvent<WebhookDeliveryEvent>('webhook_delivery', a, {
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
  }, { ts: new Date(at).toISOString() });
