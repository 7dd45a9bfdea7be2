// A request whose events cannot be kept is not served: while the event spool is at its cap (Kafka away for long),
// new requests get 503 with Retry-After instead of answers nobody could account for. Requests already running finish.
import { GatewayError } from '../../errors.ts';
import type { Stage } from './stage.ts';

export const admitEvents: Stage = {
  name: 'admit events',
  run(deps) {
    if (deps.events.accepting?.() === false) {
      throw new GatewayError('service_unavailable', 'Helix cannot record requests right now (its event spool is full while Kafka is unavailable). Please retry shortly.', { retryAfterSeconds: 5 });
    }
  },
};
