// The anomaly group's Sink: decodes responses, PII incidents and budget alerts into observations
// and hands each batch to the engine. Messages that are not for us (invalid events — which the ClickHouse sink
// already dead-letters — or other event types) are skipped, not dead-lettered a second time.
import type { KafkaMessage } from 'kafkajs';
import { validateEvent } from '../../schemas/events.ts';
import { parseMessage } from '../../lib/consume/decode.ts';
import type { DecodedMessage, Sink } from '../../lib/consume/sink.ts';
import type { Observation } from './engine.ts';

export interface AnomalySinkOptions {
  process(batch: Array<DecodedMessage<Observation>>): Promise<unknown>;
}

const SKIP = { ok: true, value: { kind: 'skip' } } as const;

export function anomalySink(opts: AnomalySinkOptions): Sink<Observation> {
  return {
    decode(message: KafkaMessage) {
      if (!message.value) return SKIP;
      const parsed = parseMessage(message);
      if (!parsed.ok) return parsed;
      const result = validateEvent(parsed.value);
      if (!result.ok) return SKIP;
      const e = result.event;
      if (e.type === 'response' || e.type === 'error') return { ok: true, value: { kind: 'response', event: e } };
      if (e.type === 'pii') return { ok: true, value: { kind: 'pii', event: e } };
      if (e.type === 'budget_alert') return { ok: true, value: { kind: 'budget', event: e } };
      return SKIP;
    },

    async write(batch) {
      await opts.process(batch);
    },
  };
}
