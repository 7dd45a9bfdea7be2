// POST /v1/messages — Anthropic's wire format around the shared chat pipeline, served by ANY configured model:
// the request is translated to the canonical (OpenAI) form and the answer back, streaming events included.
import type { FastifyInstance } from 'fastify';
import { MessagesBody } from '../../schemas/api/anthropic.ts';
import type { GatewayDeps } from '../app.ts';
import { toUpstreamGatewayError } from '../routing/router.ts';
import { abortOnClientGone } from '../pipeline/abort.ts';
import { runChat } from '../pipeline/chat.ts';
import { startSse } from '../pipeline/sse.ts';
import { anthropicRequestToOpenAI, anthropicSseError, formatAnthropicSse, OpenAIStreamToAnthropic, openAIResponseToAnthropic, type AnthropicMessagesRequest } from '../translate/anthropic.ts';
import { countChatPromptTokens } from '../../lib/tokens.ts';
import { headersOf } from './chat-completions.ts';

export function messagesRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/messages', { schema: { body: MessagesBody } }, async (request, reply) => {
    const ctx = request.helix;
    const body = request.body as AnthropicMessagesRequest;
    const chat = anthropicRequestToOpenAI(body);
    const signal = abortOnClientGone(reply);
    const outcome = await runChat(deps, ctx, chat, signal, { headers: request.headers, res: reply.raw, keyMetadata: request.principal?.metadata, principal: request.principal ?? undefined });
    if (outcome.kind === 'completion') return reply.header('x-request-id', ctx.requestId).send(openAIResponseToAnthropic(outcome.completion, body.model));

    const translator = new OpenAIStreamToAnthropic(body.model, { inputTokens: countChatPromptTokens(chat.messages) });
    reply.hijack();
    const res = reply.raw;
    startSse(res, { 'x-request-id': ctx.requestId, ...headersOf(reply) });
    try {
      for await (const chunk of outcome.chunks) for (const event of translator.push(chunk)) res.write(formatAnthropicSse(event));
      if (!signal.aborted) for (const event of translator.finish()) res.write(formatAnthropicSse(event));
    } catch (err) {
      if (!res.writableEnded) res.write(anthropicSseError(toUpstreamGatewayError(err)));
    }
    res.end();
  });
}
