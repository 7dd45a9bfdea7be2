// A dead-lettered webhook delivery on the dead-letter topic: the payload the endpoint would have received (or, for a
// malformed stored delivery, what was stored), where it was going, and the reason in the headers.
import type { Producer } from 'kafkajs';
import type { WebhookEndpoint } from '../../schemas/config/analytics.ts';
import type { AnomalyEvent } from '../../schemas/events/anomaly.ts';
import { topicName } from '../../schemas/topics.ts';
import { jsonPayload } from './payload.ts';
import type { Delivery } from './queue.ts';
import { targetOf } from './target.ts';

const STORED_CHARS = 16 * 1024;

/** Sends one dead-lettered delivery of consumer group `group`; resolves once all replicas have it. */
export function webhookDeadLetter(dlq: Producer, endpoints: WebhookEndpoint[], prefix: string, group: string) {
  return async (delivery: Delivery, anomaly: AnomalyEvent | undefined, reason: string): Promise<void> => {
    const endpoint = endpoints.find((e) => e.name === delivery.endpoint);
    const where = { endpoint: delivery.endpoint, target: endpoint ? targetOf(endpoint.url) : '' };
    // A malformed delivery keeps what was stored (bounded), so it can be looked into.
    const value = anomaly ? { ...jsonPayload(anomaly), ...where } : { delivery: delivery.id, ...where, stored: delivery.anomaly.slice(0, STORED_CHARS) };
    await dlq.send({
      topic: topicName('deadLetter', prefix),
      acks: -1,
      messages: [
        {
          key: anomaly?.event_id ?? delivery.id,
          value: JSON.stringify(value),
          headers: { 'x-helix-reason': `webhook ${delivery.endpoint}: ${reason}`.slice(0, 500), 'x-helix-source-topic': topicName('anomalies', prefix), 'x-helix-group': group },
        },
      ],
    });
  };
}
