// Upstream in: a Converse response → an OpenAI chat.completion. Text blocks → content, toolUse → tool_calls,
// reasoningContent → reasoning_content (+ thinking_blocks so signatures round-trip), stopReason → finish_reason,
// usage → OpenAI usage (prompt_tokens counts cache reads and writes, as OpenAI's does).
import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatMessage, ToolCall, Usage } from '../../../core/llm.ts';
import type { ConversePlan } from './request.ts';
import type { ConverseContentBlock, ConverseResponse, ConverseUsage } from './wire.ts';

const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function finishReasonOf(stopReason: string | undefined, plan: ConversePlan): string {
  const reason = FINISH_REASONS[stopReason ?? ''] ?? 'stop';
  // The forced JSON tool is an implementation detail: to the client the answer simply ended.
  return plan.jsonTool && reason === 'tool_calls' ? 'stop' : reason;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

export function usageFromConverse(u: Partial<ConverseUsage> | undefined): Usage {
  const cacheRead = count(u?.cacheReadInputTokens);
  const cacheWrite = count(u?.cacheWriteInputTokens);
  const prompt = count(u?.inputTokens) + cacheRead + cacheWrite;
  const completion = count(u?.outputTokens);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cacheRead } };
  if (u?.cacheReadInputTokens != null) usage.cache_read_input_tokens = cacheRead;
  if (u?.cacheWriteInputTokens != null) usage.cache_creation_input_tokens = cacheWrite;
  return usage;
}

export const completionId = (): string => `chatcmpl-${randomUUID().replace(/-/g, '')}`;

/** The answer's content blocks → an assistant message. */
export function messageFromBlocks(blocks: ConverseContentBlock[], plan: ConversePlan): ChatMessage {
  let text = '';
  let reasoning = '';
  const thinkingBlocks: Array<Record<string, unknown>> = [];
  const toolCalls: ToolCall[] = [];
  for (const b of blocks) {
    if (typeof b.text === 'string') text += b.text;
    else if (b.toolUse && plan.jsonTool && b.toolUse.name === plan.jsonTool) text += JSON.stringify(b.toolUse.input ?? {});
    else if (b.toolUse) toolCalls.push({ id: b.toolUse.toolUseId, type: 'function', function: { name: b.toolUse.name, arguments: JSON.stringify(b.toolUse.input ?? {}) } });
    else if (b.reasoningContent?.reasoningText) {
      const r = b.reasoningContent.reasoningText;
      reasoning += r.text;
      thinkingBlocks.push(r.signature !== undefined ? { type: 'thinking', thinking: r.text, signature: r.signature } : { type: 'thinking', thinking: r.text });
    } else if (b.reasoningContent?.redactedContent !== undefined) thinkingBlocks.push({ type: 'redacted_thinking', data: b.reasoningContent.redactedContent });
  }
  const message: ChatMessage = { role: 'assistant', content: text || (toolCalls.length ? null : '') };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  if (thinkingBlocks.length) message.thinking_blocks = thinkingBlocks;
  return message;
}

export function chatCompletionFromConverse(res: ConverseResponse, model: string, plan: ConversePlan): ChatCompletion {
  return {
    id: completionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: messageFromBlocks(res.output.message?.content ?? [], plan), finish_reason: finishReasonOf(res.stopReason, plan), logprobs: null }],
    usage: usageFromConverse(res.usage),
  };
}
