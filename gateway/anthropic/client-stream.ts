// /v1/messages out, streaming: canonical (OpenAI chat) chunks → the Anthropic streaming event sequence, exactly as @anthropic-ai/sdk's MessageStream expects:
//   message_start → (content_block_start → content_block_delta* → content_block_stop)* → message_delta → message_stop
// One block is open at a time: text (text_delta), tool_use (input_json_delta), thinking (thinking_delta).
// Input tokens are unknown until OpenAI's final usage chunk: message_start carries the caller's estimate, and
// message_delta carries the real input/output counts (the SDK overwrites its snapshot with them).
import type { ChatCompletionChunk, Usage } from '../../core/llm.ts';
import { anthropicErrorBody, type GatewayError } from '../errors.ts';
import { anthropicMessageId } from './client-response.ts';
import { anthropicUsageFromOpenAI } from './usage.ts';
import { stopReasonFrom, type AnthropicResponseBlock, type AnthropicStopReason, type AnthropicStreamEvent } from './wire.ts';

/** `event: <type>` + `data: <json>` — Anthropic SDKs ignore events without an event name. */
export function formatAnthropicSse(event: AnthropicStreamEvent | { type: string; [k: string]: unknown }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The SSE `error` event for a failure after the stream started (the SDK raises it as an APIError). */
export function anthropicSseError(err: GatewayError): string {
  return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(err))}\n\n`;
}

export interface OpenAIStreamToAnthropicOptions {
  /** Message id; derived from the first chunk's id when omitted. */
  messageId?: string;
  /** Prompt-token estimate for message_start (the exact count follows in message_delta). */
  inputTokens?: number;
}

type OpenBlock = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool'; index: number; toolIndex: number };

export class OpenAIStreamToAnthropic {
  private started = false;
  private finished = false;
  private blockCount = 0;
  private open: OpenBlock | undefined;
  /** OpenAI tool_call index → Anthropic content block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: string | null = null;
  private usage: Usage | undefined;
  private sawToolCall = false;
  private id: string | undefined;

  constructor(
    private readonly requestedModel: string,
    private readonly options: OpenAIStreamToAnthropicOptions = {},
  ) {
    this.id = options.messageId;
  }

  /** The events one OpenAI chunk produces (possibly none). */
  push(chunk: ChatCompletionChunk): AnthropicStreamEvent[] {
    if (this.finished) return [];
    const out: AnthropicStreamEvent[] = [];
    this.start(out, chunk.id);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices.find((c) => c.index === 0) ?? (chunk.choices.length === 1 ? chunk.choices[0] : undefined);
    if (!choice) return out;
    const delta = choice.delta ?? {};

    const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : typeof delta.reasoning === 'string' ? delta.reasoning : '';
    if (reasoning) {
      this.ensure(out, 'thinking', { type: 'thinking', thinking: '', signature: '' });
      out.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'thinking_delta', thinking: reasoning } });
    }
    if (typeof delta.content === 'string' && delta.content) {
      this.ensure(out, 'text', { type: 'text', text: '' });
      out.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'text_delta', text: delta.content } });
    }
    for (const tc of delta.tool_calls ?? []) {
      this.sawToolCall = true;
      let blockIndex = this.toolBlocks.get(tc.index);
      if (blockIndex === undefined) {
        this.close(out);
        blockIndex = this.blockCount++;
        this.toolBlocks.set(tc.index, blockIndex);
        this.open = { kind: 'tool', index: blockIndex, toolIndex: tc.index };
        const id = tc.id ?? `toolu_${Math.random().toString(36).slice(2, 14)}`;
        out.push({ type: 'content_block_start', index: blockIndex, content_block: { type: 'tool_use', id, name: tc.function?.name ?? '', input: {} } });
      }
      const args = tc.function?.arguments;
      if (args) out.push({ type: 'content_block_delta', index: blockIndex, delta: { type: 'input_json_delta', partial_json: args } });
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /** Closes the message: the open block, message_delta (stop_reason + usage), message_stop. */
  finish(): AnthropicStreamEvent[] {
    if (this.finished) return [];
    const out: AnthropicStreamEvent[] = [];
    this.start(out, undefined);
    this.close(out);
    this.finished = true;
    const stopReason: AnthropicStopReason = this.sawToolCall && (this.finishReason === 'stop' || this.finishReason === null) ? 'tool_use' : (stopReasonFrom(this.finishReason) ?? 'end_turn');
    const u = anthropicUsageFromOpenAI(this.usage);
    const usage = this.usage
      ? { input_tokens: u.input_tokens, output_tokens: u.output_tokens, cache_creation_input_tokens: u.cache_creation_input_tokens, cache_read_input_tokens: u.cache_read_input_tokens }
      : { output_tokens: 0 };
    out.push({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage });
    out.push({ type: 'message_stop' });
    return out;
  }

  get done(): boolean {
    return this.finished;
  }

  private start(out: AnthropicStreamEvent[], chunkId: string | undefined): void {
    if (this.started) return;
    this.started = true;
    this.id ??= anthropicMessageId(chunkId);
    out.push({
      type: 'message_start',
      message: {
        id: this.id,
        type: 'message',
        role: 'assistant',
        model: this.requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: this.options.inputTokens ?? 0, output_tokens: 0, cache_creation_input_tokens: null, cache_read_input_tokens: null },
      },
    });
  }

  /** Makes sure a text/thinking block is the open one. */
  private ensure(out: AnthropicStreamEvent[], kind: 'text' | 'thinking', block: AnthropicResponseBlock): void {
    if (this.open?.kind === kind) return;
    this.close(out);
    this.open = { kind, index: this.blockCount++ };
    out.push({ type: 'content_block_start', index: this.open.index, content_block: block });
  }

  private close(out: AnthropicStreamEvent[]): void {
    if (!this.open) return;
    out.push({ type: 'content_block_stop', index: this.open.index });
    this.open = undefined;
  }
}
