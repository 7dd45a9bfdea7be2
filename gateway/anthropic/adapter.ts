// The Anthropic provider (`anthropic/<model>`): canonical OpenAI chat in, OpenAI chat out.
// POST {api_base}/v1/messages with x-api-key + anthropic-version; streams are translated event by event.
import { isRecord } from '../../lib/is-record.ts';
import { requestJson, requestSse } from '../providers/shared/http.ts';
import { extraHeaders, firstEnv, stringParam } from '../providers/shared/params.ts';
import { UpstreamError, type UpstreamCall, type ProviderAdapter } from '../providers/types.ts';
import type { ChatCompletion, ChatCompletionChunk } from '../../core/llm.ts';
import { toAnthropicRequest } from './upstream-request.ts';
import { AnthropicStreamToOpenAI, anthropicMessageToOpenAI, upstreamErrorFromAnthropicEvent } from './upstream-response.ts';
import type { AnthropicMessage, AnthropicStreamEvent } from './wire.ts';

export const ANTHROPIC_DEFAULT_API_BASE = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

const ENV = { apiBase: ['ANTHROPIC_API_BASE', 'ANTHROPIC_BASE_URL'], apiKey: ['ANTHROPIC_API_KEY'] } as const;

/** api_base may be the host, `…/v1` or the full `…/v1/messages`. */
export function anthropicMessagesUrl(call: UpstreamCall): string {
  const base = (stringParam(call.deployment.params, 'api_base') ?? firstEnv(ENV.apiBase) ?? ANTHROPIC_DEFAULT_API_BASE).replace(/\/+$/, '');
  if (base.endsWith('/v1/messages')) return base;
  if (base.endsWith('/v1')) return `${base}/messages`;
  return `${base}/v1/messages`;
}

/** `litellm_params.anthropic_version` overrides the default (2023-06-01, which still accepts sampling params). */
function apiVersion(call: UpstreamCall): string {
  return stringParam(call.deployment.params, 'anthropic_version') ?? ANTHROPIC_VERSION;
}

function headers(call: UpstreamCall): Record<string, string> {
  const params = call.deployment.params;
  const h: Record<string, string> = { 'anthropic-version': apiVersion(call), ...extraHeaders(params) };
  const key = stringParam(params, 'api_key', ENV.apiKey);
  if (key) h['x-api-key'] = key;
  return h;
}

export const anthropicProvider: ProviderAdapter = {
  name: 'anthropic',

  async chat(req, call): Promise<ChatCompletion> {
    const plan = toAnthropicRequest(req, call.deployment.upstreamModel || req.model, false, { apiVersion: apiVersion(call) });
    const msg = await requestJson<AnthropicMessage | { type: 'error'; error?: unknown }>({ url: anthropicMessagesUrl(call), headers: headers(call), body: plan.body, signal: call.signal, timeoutMs: call.timeoutMs });
    if (!isRecord(msg)) throw new UpstreamError(502, 'upstream returned an invalid message', { code: 'invalid_upstream_response' });
    if (msg.type === 'error') throw upstreamErrorFromAnthropicEvent(msg);
    if (msg.type !== 'message' || !Array.isArray(msg.content)) throw new UpstreamError(502, 'upstream returned a message without content', { code: 'invalid_upstream_response', body: msg });
    return anthropicMessageToOpenAI(msg, plan);
  },

  async *chatStream(req, call): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    const plan = toAnthropicRequest(req, call.deployment.upstreamModel || req.model, true, { apiVersion: apiVersion(call) });
    const translator = new AnthropicStreamToOpenAI(call.deployment.upstreamModel || req.model, plan);
    const events = requestSse({ url: anthropicMessagesUrl(call), headers: headers(call), body: plan.body, signal: call.signal, timeoutMs: call.timeoutMs });
    for await (const ev of events) {
      if (!ev.data) continue;
      let payload: unknown;
      try {
        payload = JSON.parse(ev.data);
      } catch {
        throw new UpstreamError(502, `upstream sent an invalid stream event: ${ev.data.slice(0, 200)}`, { code: 'invalid_upstream_response' });
      }
      if (!isRecord(payload)) continue;
      if (typeof payload.type !== 'string' && ev.event) payload.type = ev.event;
      for (const chunk of translator.push(payload as AnthropicStreamEvent)) yield chunk;
    }
    if (!translator.done) throw new UpstreamError(502, 'upstream stream ended before message_stop', { code: 'stream_truncated' });
  },
};
