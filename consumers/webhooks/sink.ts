// The webhooks group's Sink: each anomaly becomes one queued delivery per endpoint that wants it. The queue dedupes
// by (anomaly id, endpoint), so a redelivered anomaly is not sent twice; attempts happen in the dispatcher.
import type { KafkaMessage } from 'kafkajs';
import type { WebhookEndpoint } from '../../schemas/config/analytics.ts';
import type { AnomalyEvent } from '../../schemas/events/anomaly.ts';
import { decodeStorableEvent } from '../../clickhouse/column-limits.ts';
import type { Sink } from '../../lib/consume/sink.ts';
import { wants } from './payload.ts';
import type { DeliveryQueue } from './queue.ts';

export function webhookSink(opts: { queue: DeliveryQueue; endpoints: readonly WebhookEndpoint[]; queued(): void; now?: () => number }): Sink<AnomalyEvent> {
  return {
    decode(message: KafkaMessage) {
      const result = decodeStorableEvent(message);
      if (!result.ok) return result;
      if (result.value.type !== 'anomaly') return { ok: false, reason: `not an anomaly: ${result.value.type}` };
      return { ok: true, value: result.value };
    },

    async write(batch) {
      const at = (opts.now ?? Date.now)();
      let added = 0;
      for (const { value: anomaly } of batch) {
        const json = JSON.stringify(anomaly);
        for (const endpoint of opts.endpoints) {
          if (wants(endpoint, anomaly) && (await opts.queue.enqueue(`${anomaly.event_id}:${endpoint.name}`, json, endpoint.name, at))) added++;
        }
      }
      if (added > 0) opts.queued();
    },
  };
}
