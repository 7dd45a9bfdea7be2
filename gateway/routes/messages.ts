// POST /v1/messages — Anthropic's wire format. A model group with Anthropic deployments is served natively (the
// client's body and the upstream's answer pass through unchanged, see operations/anthropic-messages.ts); any other
// model is served by translating to the canonical (OpenAI chat) form and the answer back, streaming events included.
import type { FastifyInstance } from 'fastify';
import { MessagesBody } from '../../schemas/api/anthropic.ts';
import { chatOperation } from '../pipeline/operations/chat.ts';
import { anthropicMessagesOperation, type AnthropicChunk } from '../pipeline/operations/anthropic-messages.ts';
import type { PipelineDeps } from '../pipeline/deps.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../core/llm.ts';
import { anthropicRequestToOpenAI } from '../anthropic/client-request.ts';
import { openAIResponseToAnthropic } from '../anthropic/client-response.ts';
import { anthropicSseError, formatAnthropicSse, OpenAIStreamToAnthropic } from '../anthropic/client-stream.ts';
import { withClientHeaders, type NativeMessagesRequest } from '../anthropic/native.ts';
import type { AnthropicMessage, AnthropicMessagesRequest, AnthropicStreamEvent } from '../anthropic/wire.ts';
import type { Router } from '../routing/router.ts';
import { PROXY_PATHS } from './proxy-paths.ts';
import { proxyHandler, type Wire } from './proxy-route.ts';

const formatEvents = (events: AnthropicStreamEvent[]) => events.map(formatAnthropicSse).join('');

export const messagesWire: Wire<AnthropicMessagesRequest, ChatRequest, ChatCompletion, ChatCompletionChunk> = {
  operation: chatOperation,
  schema: MessagesBody,
  errorShape: 'anthropic',
  toCanonical: anthropicRequestToOpenAI,
  toResponse: (completion, body) => openAIResponseToAnthropic(completion, body.model),
  stream(body, f) {
    const translator = new OpenAIStreamToAnthropic(body.model, { inputTokens: f.promptTokens() });
    return {
      frames: (chunk) => formatEvents(translator.push(chunk)),
      end: (completed) => (completed ? formatEvents(translator.finish()) : ''),
      error: anthropicSseError,
    };
  },
};

/** The native wire: the upstream's message and events go out as they are (message_stop included). */
export const nativeMessagesWire: Wire<NativeMessagesRequest, NativeMessagesRequest, AnthropicMessage, AnthropicChunk> = {
  operation: anthropicMessagesOperation,
  schema: MessagesBody,
  errorShape: 'anthropic',
  toCanonical: (body) => body,
  toResponse: (message) => message,
  stream: () => ({ frames: formatEvents, end: () => '', error: anthropicSseError }),
};

const ANTHROPIC = new Set(['anthropic']);

/** Whether a model group has an Anthropic deployment (then it is served natively, deciding per attempt). */
export const servedNatively = (router: Router, model: unknown): boolean => router.hasDeploymentOf(model, ANTHROPIC);

export function messagesRoute(app: FastifyInstance, deps: PipelineDeps): void {
  const translated = proxyHandler(PROXY_PATHS.messages, deps, messagesWire);
  const native = proxyHandler(PROXY_PATHS.messages, deps, nativeMessagesWire);
  app.post(PROXY_PATHS.messages, { schema: { body: MessagesBody }, config: { errorShape: 'anthropic' } }, (request, reply) => {
    const body = request.body as AnthropicMessagesRequest;
    if (!servedNatively(deps.router, body.model)) return translated(request, reply);
    request.body = withClientHeaders(body, request.headers);
    return native(request, reply);
  });
}
