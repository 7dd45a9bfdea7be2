// The native pass-through to an Anthropic upstream: the client's Messages body goes out as it came (model rewritten,
// Helix's own fields removed), the upstream's message or events come back as they are, and the client's
// `anthropic-beta` header (and its anthropic-version, unless the deployment sets one) is forwarded.
import type { IncomingHttpHeaders } from 'node:http';
import { requestJson } from '../providers/shared/http.ts';
import { UpstreamError, type UpstreamCall } from '../providers/types.ts';
import { checkedMessage } from './adapter.ts';
import { upstreamErrorFromAnthropicEvent } from './upstream-response.ts';
import { anthropicCountTokensUrl, anthropicEvents, anthropicHeaders, anthropicMessagesUrl } from './upstream-http.ts';
import type { AnthropicMessage, AnthropicMessagesRequest, AnthropicStreamEvent } from './wire.ts';

/** The client's headers an Anthropic upstream should see, carried on the body (symbol keys never serialize). */
export const CLIENT_HEADERS = Symbol('anthropic client headers');

export type NativeMessagesRequest = AnthropicMessagesRequest & { [CLIENT_HEADERS]?: Record<string, string> };

const FORWARDED_HEADERS = ['anthropic-beta', 'anthropic-version'] as const;

/** The body with the client headers a pass-through forwards (copies of the body keep them: spreads copy symbols). */
export function withClientHeaders<T extends object>(body: T, headers: IncomingHttpHeaders): T & { [CLIENT_HEADERS]?: Record<string, string> } {
  const forwarded: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const v = headers[name];
    if (v !== undefined) forwarded[name] = Array.isArray(v) ? v.join(',') : v;
  }
  return { ...body, [CLIENT_HEADERS]: forwarded };
}

/** Fields the gateway reads but Anthropic does not know (LiteLLM's per-request `cache` directive). */
const HELIX_FIELDS = ['cache'] as const;

/** What goes upstream: the body as the client sent it (after PII handling) for the deployment's model. */
export function upstreamBody<T extends { model: string }>(body: T, call: UpstreamCall): T {
  const out: Record<string, unknown> = { ...body, model: call.deployment.upstreamModel || body.model };
  for (const key of HELIX_FIELDS) delete out[key];
  return out as T;
}

export async function nativeMessage(body: NativeMessagesRequest, call: UpstreamCall): Promise<AnthropicMessage> {
  const { stream: _stream, ...rest } = upstreamBody(body, call);
  const msg = await requestJson<unknown>({ url: anthropicMessagesUrl(call), headers: anthropicHeaders(call, body[CLIENT_HEADERS]), body: rest, signal: call.signal, timeoutMs: call.timeoutMs });
  return checkedMessage(msg);
}

/**
 * The upstream's events as they come. message_delta gets the input and cache counters of message_start where it
 * lacks them (the current API repeats them there anyway), so each usage-bearing event is the whole usage so far.
 */
export async function* nativeMessageStream(body: NativeMessagesRequest, call: UpstreamCall): AsyncGenerator<AnthropicStreamEvent, void, undefined> {
  let start: Record<string, unknown> = {};
  let stopped = false;
  for await (const event of anthropicEvents(call, anthropicHeaders(call, body[CLIENT_HEADERS]), { ...upstreamBody(body, call), stream: true })) {
    if (event.type === 'error') throw upstreamErrorFromAnthropicEvent(event);
    if (event.type === 'message_start') start = { ...event.message.usage };
    if (event.type === 'message_delta') event.usage = withStartUsage(event.usage, start);
    if (event.type === 'message_stop') stopped = true;
    yield event;
  }
  if (!stopped) throw new UpstreamError(502, 'upstream stream ended before message_stop', { code: 'stream_truncated' });
}

function withStartUsage<U extends Record<string, unknown>>(usage: U, start: Record<string, unknown>): U {
  const out: Record<string, unknown> = { ...usage };
  for (const [key, value] of Object.entries(start)) if (key !== 'output_tokens' && out[key] == null && value != null) out[key] = value;
  return out as U;
}

/** POST /v1/messages/count_tokens upstream: `{ input_tokens }`. */
export async function nativeCountTokens(body: NativeMessagesRequest, call: UpstreamCall): Promise<{ input_tokens: number }> {
  const answer = await requestJson<unknown>({ url: anthropicCountTokensUrl(call), headers: anthropicHeaders(call, body[CLIENT_HEADERS]), body: upstreamBody(body, call), signal: call.signal, timeoutMs: call.timeoutMs });
  const tokens = (answer as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof tokens !== 'number') throw new UpstreamError(502, 'upstream count_tokens answer has no input_tokens', { code: 'invalid_upstream_response', body: answer });
  return answer as { input_tokens: number };
}
