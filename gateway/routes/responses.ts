// POST /v1/responses — OpenAI's Responses API, served by ANY configured model. A model group with OpenAI deployments
// is served natively (operations/openai-responses.ts: the body and the upstream's answer pass through, deciding per
// attempt); any other is translated to the canonical (OpenAI chat) form and the answer back (JSON or typed SSE
// events). Stored responses for previous_response_id live in Redis (gateway/responses/store.ts) on both paths.
import type { FastifyInstance } from 'fastify';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../core/llm.ts';
import type { GatewayDeps } from '../deps.ts';
import { chatOperation } from '../pipeline/operations/chat.ts';
import { openaiResponsesOperation, RESPONSES_PROVIDERS, type ResponsesChunk } from '../pipeline/operations/openai-responses.ts';
import { ERRORS, type GatewayError } from '../errors.ts';
import type { Router } from '../routing/router.ts';
import { responsesRequestToChat } from '../responses/client-request.ts';
import { outcomeOfCompletion } from '../responses/client-response.ts';
import { ChatStreamToResponses, formatResponsesSse, type ResponsesStreamEvent } from '../responses/client-stream.ts';
import { responseObject } from '../responses/envelope.ts';
import { RESPONSE_HEAD, type NativeResponsesRequest } from '../responses/native.ts';
import { ResponsesBody } from '../../schemas/api/responses.ts';
import { ResponseStore } from '../responses/store.ts';
import { ResponseTurns } from '../responses/turns.ts';
import type { ResponseObject, ResponsesRequest } from '../responses/wire.ts';
import { PROXY_PATHS } from './proxy-paths.ts';
import { proxyHandler, type Wire } from './proxy-route.ts';

export function responsesWire(turns: ResponseTurns): Wire<ResponsesRequest, ChatRequest, ChatCompletion, ChatCompletionChunk> {
  return {
    operation: chatOperation,
    schema: ResponsesBody,
    toCanonical: responsesRequestToChat,
    toResponse(completion, body) {
      const response = responseObject(body, turns.head(body), outcomeOfCompletion(completion));
      turns.finished(body, response);
      return response;
    },
    stream(body, f) {
      const translator = new ChatStreamToResponses(body, turns.head(body), f.promptTokens());
      const format = (events: ResponsesStreamEvent[]) => events.map(formatResponsesSse).join('');
      const ended = (events: ResponsesStreamEvent[]) => {
        if (translator.final) turns.finished(body, translator.final);
        return format(events);
      };
      return {
        frames: (chunk) => format(translator.push(chunk)),
        end: (completed) => (completed ? ended(translator.finish()) : ''),
        error: (err) => format(translator.fail(err)),
      };
    },
  };
}

/** The final events whose response is kept for previous_response_id (a failed one is not). */
const STORED_EVENTS = new Set(['response.completed', 'response.incomplete']);

/** The `error` event that ends a native stream failing after it started (the SDK raises it as an APIError). */
function errorEvent(err: GatewayError, sequence: number): string {
  const error = { type: ERRORS[err.code].type, code: err.code, message: err.message, param: err.extra.param ?? null };
  return formatResponsesSse({ type: 'error', sequence_number: sequence, code: err.code, message: err.message, param: error.param, error });
}

/** The native wire: the upstream's Response and events go out as they are, renumbered (a rewrite may add deltas). */
export function nativeResponsesWire(turns: ResponseTurns): Wire<ResponsesRequest, NativeResponsesRequest, ResponseObject, ResponsesChunk> {
  return {
    operation: openaiResponsesOperation,
    schema: ResponsesBody,
    toCanonical: (body) => ({ ...body, [RESPONSE_HEAD]: turns.head(body) }),
    toResponse(response, body) {
      turns.finished(body, response);
      return response;
    },
    stream(body) {
      let sequence = 0;
      const frame = (event: ResponsesChunk[number]) => {
        if (STORED_EVENTS.has(event.type)) turns.finished(body, event.response as ResponseObject);
        return formatResponsesSse({ ...event, sequence_number: sequence++ });
      };
      return { frames: (events) => events.map(frame).join(''), end: () => '', error: (err) => errorEvent(err, sequence++) };
    },
  };
}

/** Whether a model group has a deployment with the Responses API (then it is served natively, deciding per attempt). */
export const servedNatively = (router: Router, model: unknown): boolean => router.hasDeploymentOf(model, RESPONSES_PROVIDERS);

/** The route in its own plugin context: its hooks expand previous_response_id first and hold the answer until it is stored. */
export async function responsesApi(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const turns = new ResponseTurns(deps.redis ? new ResponseStore(deps.redis) : undefined);
  app.addHook('preHandler', async (request) => {
    await turns.begin(request.body as ResponsesRequest, request.principal?.keyId ?? '');
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    await turns.settled(request.body);
    return payload;
  });
  const translated = proxyHandler(PROXY_PATHS.responses, deps, responsesWire(turns));
  const native = proxyHandler(PROXY_PATHS.responses, deps, nativeResponsesWire(turns));
  app.post(PROXY_PATHS.responses, { schema: { body: ResponsesBody }, config: { errorShape: 'openai' } }, (request, reply) =>
    servedNatively(deps.router, (request.body as ResponsesRequest).model) ? native(request, reply) : translated(request, reply),
  );
}
