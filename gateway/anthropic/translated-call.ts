// A Messages request served by a deployment that is not Anthropic (a per-attempt fallback of the native operation):
// translated to the canonical chat call and the answer back to Anthropic's message or events.
import type { ProviderAdapter, UpstreamCall } from '../providers/types.ts';
import { translatedEvents } from '../pipeline/translated-stream.ts';
import { anthropicRequestToOpenAI } from './client-request.ts';
import { openAIResponseToAnthropic } from './client-response.ts';
import { OpenAIStreamToAnthropic } from './client-stream.ts';
import type { AnthropicMessage, AnthropicMessagesRequest, AnthropicStreamEvent } from './wire.ts';

export async function translatedMessage(adapter: ProviderAdapter, body: AnthropicMessagesRequest, call: UpstreamCall): Promise<AnthropicMessage> {
  const completion = await adapter.chat({ ...anthropicRequestToOpenAI(body), stream: false }, call);
  return openAIResponseToAnthropic(completion, body.model);
}

export async function* translatedMessageStream(adapter: ProviderAdapter, body: AnthropicMessagesRequest, call: UpstreamCall, inputTokens: number): AsyncGenerator<AnthropicStreamEvent[], void, undefined> {
  const req = anthropicRequestToOpenAI({ ...body, stream: true });
  yield* translatedEvents(adapter.chatStream(req, call), new OpenAIStreamToAnthropic(body.model, { inputTokens }));
}
