// The generateContent protocol shared by Google AI Studio (`gemini/`) and Vertex AI (`vertex_ai/`): one request
// translation, one response/stream translation, Google's error bodies; a spec says where a model's methods live and
// how to authenticate.
import { isRecord } from '../../../lib/is-record.ts';
import { requestJson, requestSse } from '../shared/http.ts';
import { UpstreamError, type ProviderAdapter, type UpstreamCall } from '../types.ts';
import type { ChatCompletion, ChatCompletionChunk } from '../../../core/llm.ts';
import { fromHttpError } from './errors.ts';
import { toGeminiRequest } from './request.ts';
import { GeminiStreamToOpenAI, geminiResponseToOpenAI } from './response.ts';
import type { GeminiResponse } from './wire.ts';

export type GoogleMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents';

export interface GoogleEndpoint {
  /** The method's URL without query (`…/models/gemini-2.5-flash:generateContent`). */
  url: string;
  headers: Record<string, string>;
}

export interface GoogleSpec {
  name: string;
  endpoint(method: GoogleMethod, call: UpstreamCall): Promise<GoogleEndpoint>;
}

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` name the same model; URLs want the bare id. */
export function modelId(call: UpstreamCall, requested: string): string {
  return (call.deployment.upstreamModel || requested).replace(/^models\//, '');
}

/** Runs one upstream request, turning Google error bodies into Google-aware UpstreamErrors. */
export async function googleJson<T>(spec: GoogleSpec, method: GoogleMethod, call: UpstreamCall, body: unknown): Promise<T> {
  const target = await spec.endpoint(method, call);
  try {
    return await requestJson<T>({ url: target.url, headers: target.headers, body, signal: call.signal, timeoutMs: call.timeoutMs });
  } catch (err) {
    throw fromHttpError(err);
  }
}

async function* streamChunks(spec: GoogleSpec, call: UpstreamCall, body: unknown, translator: GeminiStreamToOpenAI): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const target = await spec.endpoint('streamGenerateContent', call);
  const events = requestSse({ url: `${target.url}?alt=sse`, headers: target.headers, body, signal: call.signal, timeoutMs: call.timeoutMs });
  try {
    for await (const ev of events) {
      const data = ev.data.trim();
      if (data === '') continue;
      let payload: unknown;
      try {
        payload = JSON.parse(data);
      } catch {
        throw new UpstreamError(502, `upstream sent an invalid stream event: ${data.slice(0, 200)}`, { code: 'invalid_upstream_response' });
      }
      if (isRecord(payload) || Array.isArray(payload)) yield* translator.push(payload);
    }
  } catch (err) {
    throw fromHttpError(err);
  }
}

/** chat + chatStream over generateContent / streamGenerateContent?alt=sse. */
export function createGoogleChatAdapter(spec: GoogleSpec): Pick<ProviderAdapter, 'name' | 'chat' | 'chatStream'> {
  return {
    name: spec.name,

    async chat(req, call): Promise<ChatCompletion> {
      const res = await googleJson<GeminiResponse>(spec, 'generateContent', call, toGeminiRequest(req));
      if (!isRecord(res)) throw new UpstreamError(502, 'upstream returned an invalid response', { code: 'invalid_upstream_response' });
      return geminiResponseToOpenAI(res, modelId(call, req.model));
    },

    async *chatStream(req, call): AsyncGenerator<ChatCompletionChunk, void, undefined> {
      const translator = new GeminiStreamToOpenAI(modelId(call, req.model));
      yield* streamChunks(spec, call, toGeminiRequest(req), translator);
      if (!translator.done) throw new UpstreamError(502, 'upstream stream ended before a finishReason', { code: 'stream_truncated' });
      yield translator.usageChunk();
    },
  };
}
