// Legacy text completions (/v1/completions): passed to providers that still have them.
import type { Completion, CompletionRequest } from '../../../core/llm.ts';
import { requestedOutputTokens } from '../../budgets/worst-case.ts';
import { GatewayError } from '../../errors.ts';
import { modelField, type Operation } from '../operation.ts';
import { inputPrompt } from './input.ts';

const unsupported = (provider: string) => new GatewayError('invalid_request', `Provider ${provider} does not support /v1/completions; use /v1/chat/completions.`, { param: 'model' });

export const completionsOperation: Operation<CompletionRequest, Completion, Completion> = {
  kind: 'completions',
  skips: new Set(['swap', 'cache']),
  piiKind: 'openai.completions',
  ...modelField<CompletionRequest>(),
  ...inputPrompt<CompletionRequest>((body) => body.prompt),
  stream: (body) => body.stream === true,
  outputTokens: (body) => requestedOutputTokens(body),
  withMaxTokens: (body, maxTokens) => ({ ...body, max_tokens: maxTokens }),
  call(adapter, body, call) {
    if (!adapter.completions) throw unsupported(adapter.name);
    return adapter.completions(body, call);
  },
  callStream(adapter, body, call) {
    if (!adapter.completionsStream) throw unsupported(adapter.name);
    return adapter.completionsStream(body, call);
  },
  usage: (res) => res.usage ?? undefined,
  finishReason: (res) => res.choices.find((c) => c.finish_reason)?.finish_reason ?? '',
  chunkText: (chunk) => chunk.choices.map((c) => c.text).join(''),
  rewriteOutput(res, rewrite) {
    for (const c of res.choices) c.text = rewrite(c.text, false);
  },
  rewriteChunk(chunk, rw) {
    for (const c of chunk.choices) {
      c.text = rw.push(c.index, 'text', c.text, false);
      if (c.finish_reason) for (const { text } of rw.flush(c.index)) c.text += text;
    }
  },
};
