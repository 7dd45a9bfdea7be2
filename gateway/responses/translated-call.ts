// A Responses request served by a deployment without the Responses API (a per-attempt fallback of the native
// operation): translated to the canonical chat call, the answer back to a Response object or typed events.
import type { ProviderAdapter, UpstreamCall } from '../providers/types.ts';
import { translatedEvents } from '../pipeline/translated-stream.ts';
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

export async function* translatedResponseStream(adapter: ProviderAdapter, body: NativeResponsesRequest, call: UpstreamCall, inputTokens: number): AsyncGenerator<ResponsesStreamEvent[], void, undefined> {
  const req = responsesRequestToChat({ ...body, stream: true });
  yield* translatedEvents(adapter.chatStream(req, call), new ChatStreamToResponses(body, headOf(body), inputTokens));
}
