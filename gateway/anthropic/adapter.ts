// The Anthropic provider (`anthropic/<model>`): canonical OpenAI chat in, OpenAI chat out.
// POST {api_base}/v1/messages with x-api-key + anthropic-version; streams are translated event by event.
// (/v1/messages clients reach Anthropic deployments without translation: see native.ts.)
import { isRecord } from '../../lib/is-record.ts';
import { requestJson } from '../providers/shared/http.ts';
import { UpstreamError, type ProviderAdapter } from '../providers/types.ts';
import type { ChatCompletion, ChatCompletionChunk } from '../../core/llm.ts';
import { toAnthropicRequest } from './upstream-request.ts';
import { AnthropicStreamToOpenAI, anthropicMessageToOpenAI, upstreamErrorFromAnthropicEvent } from './upstream-response.ts';
import { anthropicEvents, anthropicHeaders, anthropicMessagesUrl, apiVersion } from './upstream-http.ts';
import type { AnthropicMessage } from './wire.ts';

/** A parsed Messages answer that is a message, or the UpstreamError it stands for. */
export function checkedMessage(msg: unknown): AnthropicMessage {
  if (!isRecord(msg)) throw new UpstreamError(502, 'upstream returned an invalid message', { code: 'invalid_upstream_response' });
  if (msg.type === 'error') throw upstreamErrorFromAnthropicEvent(msg);
  if (msg.type !== 'message' || !Array.isArray(msg.content)) throw new UpstreamError(502, 'upstream returned a message without content', { code: 'invalid_upstream_response', body: msg });
  return msg as unknown as AnthropicMessage;
}

export const anthropicProvider: ProviderAdapter = {
  name: 'anthropic',

  async chat(req, call): Promise<ChatCompletion> {
    const plan = toAnthropicRequest(req, call.deployment.upstreamModel || req.model, false, { apiVersion: apiVersion(call) });
    const msg = await requestJson<unknown>({ url: anthropicMessagesUrl(call), headers: anthropicHeaders(call), body: plan.body, signal: call.signal, timeoutMs: call.timeoutMs });
    return anthropicMessageToOpenAI(checkedMessage(msg), plan);
  },

  async *chatStream(req, call): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    const plan = toAnthropicRequest(req, call.deployment.upstreamModel || req.model, true, { apiVersion: apiVersion(call) });
    const translator = new AnthropicStreamToOpenAI(call.deployment.upstreamModel || req.model, plan);
    for await (const event of anthropicEvents(call, anthropicHeaders(call), plan.body)) for (const chunk of translator.push(event)) yield chunk;
    if (!translator.done) throw new UpstreamError(502, 'upstream stream ended before message_stop', { code: 'stream_truncated' });
  },
};
