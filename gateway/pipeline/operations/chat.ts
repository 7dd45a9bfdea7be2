// Chat completions: the operation behind /v1/chat/completions and /v1/messages (translated to chat by its route).
import { countChatPromptTokens } from '../../../core/prompt-tokens.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../../core/llm.ts';
import { requestedOutputTokens } from '../../budgets/worst-case.ts';
import type { Flight } from '../flight.ts';
import { modelField, type Operation } from '../operation.ts';

export type ChatOperation = Operation<ChatRequest, ChatCompletion, ChatCompletionChunk>;

export const chatOperation: ChatOperation = {
  kind: 'chat',
  skips: new Set(),
  piiKind: 'openai.chat',
  ...modelField<ChatRequest>(),
  stream: (body) => body.stream === true,
  promptMessages: (body) => body.messages,
  promptTokens: (body) => countChatPromptTokens(body.messages),
  outputTokens: (body) => requestedOutputTokens(body),
  withMaxTokens: (body, maxTokens) => ({ ...body, max_tokens: maxTokens }),
  call: (adapter, body, call) => adapter.chat(body, call),
  callStream: (adapter, body, call) => adapter.chatStream(body, call),
  usage: (res) => res.usage ?? undefined,
  finishReason: (res) => res.choices[0]?.finish_reason ?? '',
  chunkText(chunk) {
    let text = '';
    for (const c of chunk.choices) {
      if (typeof c.delta.content === 'string') text += c.delta.content;
      for (const call of c.delta.tool_calls ?? []) text += call.function?.arguments ?? '';
    }
    return text;
  },
  rewriteOutput(res, rewrite) {
    for (const choice of res.choices) {
      const m = choice.message;
      if (typeof m.content === 'string') m.content = rewrite(m.content, false);
      for (const call of m.tool_calls ?? []) call.function.arguments = rewrite(call.function.arguments, true);
    }
  },
  rewriteChunk(chunk, rw) {
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (typeof delta.content === 'string') delta.content = rw.push(choice.index, 'content', delta.content, false);
      for (const call of delta.tool_calls ?? []) {
        if (call.function?.arguments !== undefined) call.function.arguments = rw.push(choice.index, `tool:${call.index}`, call.function.arguments, true);
      }
      if (!choice.finish_reason) continue;
      for (const { field, text } of rw.flush(choice.index)) {
        if (field === 'content') delta.content = (delta.content ?? '') + text;
        else (delta.tool_calls ??= []).push({ index: Number(field.slice(5)), function: { arguments: text } });
      }
    }
  },
};

/** The flight of a chat request, for the stages only chat has (declared optional, skipped by the other operations). */
export function asChat<Req, Res, Chunk>(f: Flight<Req, Res, Chunk>): Flight<ChatRequest, ChatCompletion, ChatCompletionChunk> {
  if (f.op.kind !== 'chat') throw new Error(`a chat-only stage ran for ${f.op.kind}`);
  return f as unknown as Flight<ChatRequest, ChatCompletion, ChatCompletionChunk>;
}
