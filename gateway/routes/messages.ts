// POST /v1/messages — Anthropic's wire format, served by ANY configured model: the request is translated to the
// canonical (OpenAI chat) form and the answer back, streaming events included.
import { MessagesBody } from '../../schemas/api/anthropic.ts';
import { chatOperation } from '../pipeline/operations/chat.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../core/llm.ts';
import { anthropicRequestToOpenAI } from '../anthropic/client-request.ts';
import { openAIResponseToAnthropic } from '../anthropic/client-response.ts';
import { anthropicSseError, formatAnthropicSse, OpenAIStreamToAnthropic } from '../anthropic/client-stream.ts';
import type { AnthropicMessagesRequest } from '../anthropic/wire.ts';
import type { Wire } from './proxy-route.ts';

export const messagesWire: Wire<AnthropicMessagesRequest, ChatRequest, ChatCompletion, ChatCompletionChunk> = {
  operation: chatOperation,
  schema: MessagesBody,
  errorShape: 'anthropic',
  toCanonical: anthropicRequestToOpenAI,
  toResponse: (completion, body) => openAIResponseToAnthropic(completion, body.model),
  stream(body, f) {
    const translator = new OpenAIStreamToAnthropic(body.model, { inputTokens: f.promptTokens() });
    const format = (events: ReturnType<OpenAIStreamToAnthropic['push']>) => events.map(formatAnthropicSse).join('');
    return {
      frames: (chunk) => format(translator.push(chunk)),
      end: (completed) => (completed ? format(translator.finish()) : ''),
      error: anthropicSseError,
    };
  },
};
