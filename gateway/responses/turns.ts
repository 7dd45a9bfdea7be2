// One request's place in a conversation: before the pipeline, `previous_response_id` is expanded into the input;
// after the answer, the response is stored for the next turn. Keyed by the request body, the one object every
// step of a route sees.
import { GatewayError } from '../errors.ts';
import { logger } from '../../lib/logger.ts';
import { newId, nowSeconds, type ResponseHead } from './envelope.ts';
import { conversationAfter, type ResponseStore } from './store.ts';
import type { ResponseObject, ResponsesInputItem, ResponsesRequest } from './wire.ts';

interface Turn {
  head: ResponseHead;
  owner: string;
  /** The conversation's input including this request's (stored with the response). */
  input: ResponsesInputItem[];
}

export class ResponseTurns {
  private readonly turns = new WeakMap<object, Turn>();
  private readonly saving = new WeakMap<object, Promise<void>>();

  /** Without a store nothing is kept: `previous_response_id` is refused and `store` echoes false. */
  constructor(private readonly store: ResponseStore | undefined) {}

  /** Expands `previous_response_id` into `body.input` (in place) and opens the turn. */
  async begin(body: ResponsesRequest, owner: string): Promise<void> {
    const own: ResponsesInputItem[] = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : (body.input ?? []);
    let input = own;
    const previous = body.previous_response_id;
    if (previous) {
      if (!this.store) throw new GatewayError('invalid_request', 'previous_response_id is not supported: this gateway keeps no responses (no Redis configured).', { param: 'previous_response_id' });
      const record = await this.store.load(previous, owner).catch((err: unknown) => {
        logger.warn({ err }, 'stored responses unavailable');
        throw new GatewayError('service_unavailable', 'Stored responses are unavailable right now; retry shortly.');
      });
      if (!record) throw new GatewayError('invalid_request', `Previous response with id '${previous}' not found.`, { param: 'previous_response_id' });
      input = [...conversationAfter(record), ...own];
      body.input = input;
    }
    const stored = this.store !== undefined && body.store !== false;
    this.turns.set(body, { head: { id: newId('resp'), createdAt: nowSeconds(), stored }, owner, input });
  }

  head(body: ResponsesRequest): ResponseHead {
    return this.turn(body).head;
  }

  /** Stores the answer for the next turn (when the request asked for it); `settled` waits for the write. */
  finished(body: ResponsesRequest, response: ResponseObject): void {
    const turn = this.turn(body);
    if (!this.store || !turn.head.stored) return;
    const write = this.store.save({ owner: turn.owner, input: turn.input, response }).catch((err: unknown) => logger.warn({ err, responseId: response.id }, 'could not store response'));
    this.saving.set(body, write);
  }

  async settled(body: unknown): Promise<void> {
    if (typeof body === 'object' && body !== null) await this.saving.get(body);
  }

  private turn(body: ResponsesRequest): Turn {
    const turn = this.turns.get(body);
    if (!turn) throw new Error('a /v1/responses request ran without its turn');
    return turn;
  }
}
