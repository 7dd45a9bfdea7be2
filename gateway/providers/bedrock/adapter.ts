// The AWS Bedrock provider (`bedrock/<modelId>`, `bedrock/converse/<modelId>`): canonical OpenAI chat in and out
// over the Converse API. Every call is SigV4-signed; streams are ConverseStream's binary event stream.
import { isRecord } from '../../../lib/is-record.ts';
import { countChatPromptTokens } from '../../../core/prompt-tokens.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../../core/llm.ts';
import { requestJson, requestStream, type UpstreamCall as HttpCall } from '../shared/http.ts';
import { extraHeaders } from '../shared/params.ts';
import { countedUsage } from '../shared/usage.ts';
import { UpstreamError, type UpstreamCall, type ProviderAdapter } from '../types.ts';
import { bedrockModelId, bedrockRegion, converseUrl } from './endpoint.ts';
import { bedrockHttpError } from './errors.ts';
import { converseStreamEvents, eventStreamMessages } from './eventstream.ts';
import { toConverseRequest, type ConversePlan } from './request.ts';
import { chatCompletionFromConverse } from './response.ts';
import { signedHeaders } from './signing.ts';
import { ConverseStreamToOpenAI } from './stream.ts';
import type { ConverseResponse } from './wire.ts';

const EVENT_STREAM = 'application/vnd.amazon.eventstream';

interface Prepared {
  modelId: string;
  plan: ConversePlan;
  http: HttpCall;
}

async function prepare(req: ChatRequest, call: UpstreamCall, stream: boolean): Promise<Prepared> {
  const modelId = bedrockModelId(call.deployment.upstreamModel || req.model);
  const region = bedrockRegion(call.deployment.params, modelId);
  const plan = toConverseRequest(req);
  const url = converseUrl(call, region, modelId, stream);
  const bodyText = JSON.stringify(plan.body);
  const signed = await signedHeaders(call, region, url, bodyText);
  // Extra headers go unsigned: SigV4 only vouches for the headers it lists.
  const headers = { ...extraHeaders(call.deployment.params), ...signed };
  return { modelId, plan, http: { url, headers, bodyText, toError: bedrockHttpError, signal: call.signal, timeoutMs: call.timeoutMs } };
}

export const bedrockProvider: ProviderAdapter = {
  name: 'bedrock',

  async chat(req, call): Promise<ChatCompletion> {
    const { modelId, plan, http } = await prepare(req, call, false);
    const res = await requestJson<ConverseResponse>(http);
    if (!isRecord(res) || !isRecord(res.output)) throw new UpstreamError(502, 'Bedrock returned a response without output', { code: 'invalid_upstream_response', body: res });
    return chatCompletionFromConverse(res, modelId, plan);
  },

  async *chatStream(req, call): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    const { modelId, plan, http } = await prepare(req, call, true);
    const translator = new ConverseStreamToOpenAI(modelId, plan);
    for await (const ev of converseStreamEvents(eventStreamMessages(requestStream(http, EVENT_STREAM)))) {
      for (const chunk of translator.push(ev)) yield chunk;
    }
    if (!translator.done) throw new UpstreamError(502, 'Bedrock stream ended before messageStop', { code: 'stream_truncated' });
    if (!translator.usageSeen) yield translator.usageChunk(countedUsage(countChatPromptTokens(req.messages), translator.text));
  },
};
