// A delivery as the queue stored it, checked: its anomaly, or why it can never be sent.
import { type AnomalyEvent } from '../../schemas/events/anomaly.ts';
import { validateEvent } from '../../schemas/events.ts';
import type { Delivery } from './queue.ts';

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
