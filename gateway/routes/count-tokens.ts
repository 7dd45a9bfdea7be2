// POST /v1/messages/count_tokens — Anthropic's token counting: `{ input_tokens }` for a Messages body without
// max_tokens. An Anthropic deployment is asked (its own count); any other model is counted with the tokenizer.
// Auth, model permission, rate limits and PII apply like on any /v1 route; it is not billed (no hold, no events).
import type { FastifyInstance } from 'fastify';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import { countTokens } from '../../lib/tokens.ts';
import { CountTokensBody } from '../../schemas/api/anthropic.ts';
import { anthropicRequestToOpenAI } from '../anthropic/client-request.ts';
import { nativeCountTokens, withClientHeaders } from '../anthropic/native.ts';
import type { AnthropicMessagesRequest } from '../anthropic/wire.ts';
import { abortOnClientGone } from '../pipeline/abort.ts';
import type { PipelineDeps } from '../pipeline/deps.ts';
import { speaksMessages } from '../pipeline/operations/anthropic-messages.ts';
import { policyForCaller, protectRequest } from '../pipeline/pii.ts';
import { servedNatively } from './messages.ts';
import { PROXY_PATHS } from './proxy-paths.ts';


/** The tokenizer's count: the prompt as chat messages plus the tool definitions. */
export function countMessagesTokens(body: AnthropicMessagesRequest): number {
  const { messages } = anthropicRequestToOpenAI(body);
  const tools = Array.isArray(body.tools) && body.tools.length ? countTokens(JSON.stringify(body.tools)) : 0;
  return countChatPromptTokens(messages) + tools;
}

export function countTokensRoute(app: FastifyInstance, deps: PipelineDeps): void {
  app.post(PROXY_PATHS.countTokens, { schema: { body: CountTokensBody }, config: { errorShape: 'anthropic' } }, async (request, reply) => {
    const trace = request.trace;
    trace.finished = true; // not a model call: it ends no request in the event stream
    const body = request.body as AnthropicMessagesRequest;
    deps.router.deploymentsFor(body.model); // 404 for an unknown model
    trace.model = body.model;
    const policy = policyForCaller(deps.config.helix_settings.pii_protection, request.principal?.metadata?.pii_protection);
    const scanned = protectRequest('anthropic.messages', body, policy, trace, deps.events).body;
    if (!servedNatively(deps.router, body.model)) return { input_tokens: countMessagesTokens(scanned) };
    const forwarded = withClientHeaders(scanned, request.headers);
    return deps.router.call(
      trace,
      body.model,
      async (adapter, call) => (speaksMessages(adapter) ? nativeCountTokens(forwarded, call) : { input_tokens: countMessagesTokens(scanned) }),
      abortOnClientGone(reply),
    );
  });
}
