// A Responses request served by a deployment without the Responses API (a per-attempt fallback of the native
// operation): translated to the canonical chat call, the answer back to a Response object or typed events.
import type { ProviderAdapter, UpstreamCall } from '../providers/types.ts';
import { responsesRequestToChat } from './client-request.ts';
import { outcomeOfCompletion } from './client-response.ts';
import { ChatStreamToResponses, type ResponsesStreamEvent } from './client-stream.ts';
import { responseObject } from './envelope.ts';
import { headOf, type NativeResponsesRequest } from './native.ts';
import type { ResponseObject } from './wire.ts';

export async function translatedResponse(adapter: ProviderAdapter, body: NativeResponsesRequest, call: UpstreamCall): Promise<ResponseObject> {
  const completion = await adapter.chat({ ...responsesRequestToChat({ ...body, stream: false }), stream: false }, call);
  return responseObject(body, headOf(body), outcomeOfCompletion(completion));
}

/** One event list per canonical chunk (often empty), then the closing events. */
export async function* translatedResponseStream(adapter: ProviderAdapter, body: NativeResponsesRequest, call: UpstreamCall, inputTokens: number): AsyncGenerator<ResponsesStreamEvent[], void, undefined> {
  const req = responsesRequestToChat({ ...body, stream: true });
  const translator = new ChatStreamToResponses(body, headOf(body), inputTokens);
  for await (const chunk of adapter.chatStream(req, call)) {
    const events = translator.push(chunk);
    if (events.length) yield events;
  }
  yield translator.finish();
}
