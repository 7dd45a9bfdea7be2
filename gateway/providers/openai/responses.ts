// OpenAI's Responses API upstream (`POST {api_base}/responses`): the body goes out as given, the Response object or
// the typed stream events come back as they are. Only adapters that carry these methods speak it (see
// `speaksResponsesApi`); the stream fails on an `error` or `response.failed` event and on an end without a final event.
import { isRecord } from '../../../lib/is-record.ts';
import { requestJson, requestSse } from '../shared/http.ts';
import { UpstreamError, type ProviderAdapter, type UpstreamCall } from '../types.ts';
import type { OpenAIEndpoint } from './client.ts';

type Json = Record<string, unknown>;

/** One typed event of a Responses stream (`response.output_text.delta`, `response.completed`, …). */
export type ResponsesEvent = { type: string } & Json;

export interface ResponsesMethods {
  /** The Response object for a body without `stream`. */
  responses(body: Json, call: UpstreamCall): Promise<Json>;
  /** The events of the same body sent with `stream: true`. */
  responsesStream(body: Json, call: UpstreamCall): AsyncIterable<ResponsesEvent>;
}

/** The events that end a Responses stream. */
export const FINAL_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Whether an adapter can call an upstream's Responses API. */
export function hasResponsesApi(adapter: ProviderAdapter): adapter is ProviderAdapter & ResponsesMethods {
  const a = adapter as Partial<ResponsesMethods>;
  return typeof a.responses === 'function' && typeof a.responsesStream === 'function';
}

const statusOfCode = (code: unknown): number => (code === 'rate_limit_exceeded' ? 429 : code === 'invalid_prompt' || code === 'invalid_request_error' ? 400 : 500);

/** An `error` event (`{type: 'error', code, message}`) or a failed response → UpstreamError. */
function streamError(event: ResponsesEvent): UpstreamError {
  const source = event.type === 'error' ? (isRecord(event.error) ? event.error : event) : isRecord(event.response) && isRecord(event.response.error) ? event.response.error : {};
  const message = typeof source.message === 'string' ? source.message : 'upstream reported an error mid-stream';
  const code = typeof source.code === 'string' ? source.code : undefined;
  return new UpstreamError(statusOfCode(code), message, { code, type: typeof source.type === 'string' ? source.type : undefined, body: event });
}

async function* responseEvents(events: AsyncIterable<{ data: string }>): AsyncGenerator<ResponsesEvent, void, undefined> {
  let ended = false;
  for await (const ev of events) {
    const data = ev.data.trim();
    if (data === '' || data === '[DONE]') continue;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      throw new UpstreamError(502, `upstream sent an invalid stream event: ${data.slice(0, 200)}`, { code: 'invalid_upstream_response' });
    }
    if (!isRecord(event) || typeof event.type !== 'string') continue;
    const typed = event as ResponsesEvent;
    if (typed.type === 'error' || typed.type === 'response.failed') throw streamError(typed);
    if (FINAL_EVENTS.has(typed.type)) ended = true;
    yield typed;
  }
  if (!ended) throw new UpstreamError(502, 'upstream stream ended before response.completed', { code: 'stream_truncated' });
}

/** The Responses methods of an OpenAI-style adapter whose `endpoint` knows the `responses` operation. */
export function responsesMethods(endpoint: (op: 'responses', call: UpstreamCall) => OpenAIEndpoint): ResponsesMethods {
  const request = (call: UpstreamCall, body: Json) => ({ ...endpoint('responses', call), body, signal: call.signal, timeoutMs: call.timeoutMs });
  return {
    async responses(body, call) {
      const { stream: _stream, ...rest } = body;
      const res = await requestJson<unknown>(request(call, rest));
      if (!isRecord(res) || !Array.isArray(res.output)) throw new UpstreamError(502, 'upstream returned a response without output', { code: 'invalid_upstream_response', body: res });
      return res;
    },
    responsesStream: (body, call) => responseEvents(requestSse(request(call, { ...body, stream: true }))),
  };
}
