// POST /v1/responses — OpenAI's Responses API, served by ANY configured model: the request is translated to the
// canonical (OpenAI chat) form before the pipeline and the answer back (JSON or typed SSE events). Stored responses
// for previous_response_id live in Redis (gateway/responses/store.ts); without Redis nothing is stored.
import type { FastifyInstance } from 'fastify';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../core/llm.ts';
import type { GatewayDeps } from '../deps.ts';
import { chatOperation } from '../pipeline/operations/chat.ts';
import { responsesRequestToChat } from '../responses/client-request.ts';
import { outcomeOfCompletion } from '../responses/client-response.ts';
import { ChatStreamToResponses, formatResponsesSse, type ResponsesStreamEvent } from '../responses/client-stream.ts';
import { responseObject } from '../responses/envelope.ts';
import { ResponsesBody } from '../../schemas/api/responses.ts';
import { ResponseStore } from '../responses/store.ts';
import { ResponseTurns } from '../responses/turns.ts';
import type { ResponsesRequest } from '../responses/wire.ts';
import { PROXY_PATHS } from './proxy-paths.ts';
import { proxyRoute, type Wire } from './proxy-route.ts';

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
  proxyRoute(app, PROXY_PATHS.responses, deps, responsesWire(turns));
}
