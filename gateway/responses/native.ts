// The native pass-through to an upstream that has the Responses API (OpenAI): the client's body goes out as it came
// (model rewritten, `previous_response_id` dropped because Helix already expanded it into `input`, Helix's own
// fields removed); the Response object and the stream events come back as they are (echoing the client's
// previous_response_id), built-in tools included.
import { isRecord } from '../../lib/is-record.ts';
import type { ResponsesMethods, ResponsesEvent } from '../providers/openai/responses.ts';
import type { UpstreamCall } from '../providers/types.ts';
import { newId, nowSeconds, type ResponseHead } from './envelope.ts';
import type { ResponseObject, ResponsesRequest } from './wire.ts';

/** The response's head (id, created_at, stored) carried on the body for a translated attempt (symbol keys never serialize). */
export const RESPONSE_HEAD = Symbol('responses head');

export type NativeResponsesRequest = ResponsesRequest & { [RESPONSE_HEAD]?: ResponseHead };

/** The head a translated attempt answers with: the turn's, or a fresh unstored one. */
export function headOf(body: NativeResponsesRequest): ResponseHead {
  return body[RESPONSE_HEAD] ?? { id: newId('resp'), createdAt: nowSeconds(), stored: false };
}

/** Fields the gateway reads but the upstream must not see (state Helix keeps itself, LiteLLM's `cache` directive). */
const HELIX_FIELDS = ['previous_response_id', 'cache'] as const;

/** What goes upstream: the body as the client sent it (after PII handling) for the deployment's model. */
export function upstreamResponsesBody(body: NativeResponsesRequest, call: UpstreamCall): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, model: call.deployment.upstreamModel || body.model };
  for (const key of HELIX_FIELDS) delete out[key];
  return out;
}

/** The upstream never saw the client's `previous_response_id`; the response echoes it as the API does. */
function echoed<T extends object>(response: T, body: NativeResponsesRequest): T {
  if (body.previous_response_id) (response as Record<string, unknown>).previous_response_id = body.previous_response_id;
  return response;
}

export async function nativeResponse(adapter: ResponsesMethods, body: NativeResponsesRequest, call: UpstreamCall): Promise<ResponseObject> {
  return echoed((await adapter.responses(upstreamResponsesBody(body, call), call)) as ResponseObject, body);
}

/** One event list per upstream event (a PII rewrite may add held-back deltas before an item's `.done`). */
export async function* nativeResponseStream(adapter: ResponsesMethods, body: NativeResponsesRequest, call: UpstreamCall): AsyncGenerator<ResponsesEvent[], void, undefined> {
  for await (const event of adapter.responsesStream(upstreamResponsesBody(body, call), call)) {
    if (isRecord(event.response)) echoed(event.response, body);
    yield [event];
  }
}
