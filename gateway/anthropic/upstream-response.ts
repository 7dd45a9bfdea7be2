// Upstream in: Anthropic Messages responses → canonical OpenAI chat, the whole message (non-stream) and the SSE event
// stream (chunk by chunk). Usage keeps the input tokens reported in message_start — streams must not lose them.
import { isRecord } from '../../lib/is-record.ts';
import { UpstreamError } from '../providers/types.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChunkChoice, ToolCall } from '../../core/llm.ts';
import { toolCallFromToolUse } from './blocks.ts';
import { usageFromAnthropic } from './usage.ts';
import { STATUS_FROM_ERROR_TYPE, finishReasonFrom, type AnthropicMessage, type AnthropicStreamEvent, type AnthropicUsage } from './wire.ts';

type Json = Record<string, unknown>;

export interface ResponseOptions {
  /** Name of the forced tool that emulated response_format: its input becomes the text content. */
  jsonTool?: string;
}

export function anthropicMessageToOpenAI(msg: AnthropicMessage, options: ResponseOptions = {}): ChatCompletion {
  let text = '';
  let reasoning = '';
  const thinkingBlocks: Json[] = [];
  const toolCalls: ToolCall[] = [];
  let jsonText: string | undefined;
  for (const block of msg.content) {
    switch (block.type) {
      case 'text':
        text += typeof block.text === 'string' ? block.text : '';
        break;
      case 'tool_use':
        if (options.jsonTool && block.name === options.jsonTool) {
          jsonText = JSON.stringify(block.input ?? {});
        } else {
          toolCalls.push(toolCallFromToolUse(block));
        }
        break;
      case 'thinking':
        reasoning += typeof block.thinking === 'string' ? block.thinking : '';
        thinkingBlocks.push({ ...block });
        break;
      case 'redacted_thinking':
        thinkingBlocks.push({ ...block });
        break;
      default:
        break; // server-tool blocks have no OpenAI equivalent
    }
  }
  // response_format emulation: the forced tool's input *is* the answer (any preface text would break the JSON).
  if (jsonText !== undefined) text = jsonText;
  const message: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length ? null : text };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  if (thinkingBlocks.length) message.thinking_blocks = thinkingBlocks;
  let finish = finishReasonFrom(msg.stop_reason) ?? 'stop';
  if (jsonText !== undefined && finish === 'tool_calls' && !toolCalls.length) finish = 'stop';
  return {
    id: msg.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: msg.model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: usageFromAnthropic(msg.usage),
  };
}

/** Anthropic `error` event / error body → UpstreamError with the matching HTTP status (overloaded → 529). */
export function upstreamErrorFromAnthropicEvent(payload: unknown): UpstreamError {
  const err = isRecord(payload) && isRecord(payload.error) ? payload.error : {};
  const type = typeof err.type === 'string' ? err.type : 'api_error';
  const message = typeof err.message === 'string' ? err.message : 'upstream reported an error mid-stream';
  return new UpstreamError(STATUS_FROM_ERROR_TYPE[type] ?? 500, message, { type, body: payload });
}

type ToolCallDelta = NonNullable<ChunkChoice['delta']['tool_calls']>[number];

/** A tool-call continuation delta (`{index, function: {arguments}}`, as OpenAI streams it). The contract's
 *  delta type inherits `name: string` from ToolCall, though OpenAI omits the name after the first delta. */
function argumentsDelta(index: number, args: string): ToolCallDelta {
  return { index, function: { arguments: args } } as ToolCallDelta;
}

type BlockKind = { kind: 'text' } | { kind: 'tool'; toolIndex: number } | { kind: 'json' } | { kind: 'thinking' } | { kind: 'other' };

/**
 * Anthropic stream events → OpenAI chunks, one event at a time:
 * message_start → role chunk (input usage remembered), text/tool/thinking deltas → content / tool_calls /
 * reasoning_content deltas, message_delta → finish_reason chunk, message_stop → usage-only chunk.
 */
export class AnthropicStreamToOpenAI {
  private id = '';
  private model: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly usage: Partial<AnthropicUsage> = {};
  private readonly blocks = new Map<number, BlockKind>();
  private nextToolIndex = 0;
  private stopReason: string | null = null;
  private stopped = false;

  constructor(
    model: string,
    private readonly options: ResponseOptions = {},
  ) {
    this.model = model;
  }

  /** True once message_stop arrived (the stream is complete). */
  get done(): boolean {
    return this.stopped;
  }

  private chunk(delta: ChunkChoice['delta'], finish: string | null = null): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }

  private mergeUsage(u: unknown): void {
    if (!isRecord(u)) return;
    for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      const v = u[key];
      if (typeof v === 'number') this.usage[key] = v;
    }
  }

  push(event: AnthropicStreamEvent): ChatCompletionChunk[] {
    switch (event.type) {
      case 'message_start': {
        this.id = event.message.id;
        if (event.message.model) this.model = event.message.model;
        this.mergeUsage(event.message.usage);
        return [this.chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') {
          this.blocks.set(event.index, { kind: 'text' });
          return typeof block.text === 'string' && block.text ? [this.chunk({ content: block.text })] : [];
        }
        if (block.type === 'tool_use') {
          if (this.options.jsonTool && block.name === this.options.jsonTool) {
            this.blocks.set(event.index, { kind: 'json' });
            return [];
          }
          const toolIndex = this.nextToolIndex++;
          this.blocks.set(event.index, { kind: 'tool', toolIndex });
          const initial = isRecord(block.input) && Object.keys(block.input).length ? JSON.stringify(block.input) : '';
          return [this.chunk({ tool_calls: [{ index: toolIndex, id: String(block.id), type: 'function', function: { name: String(block.name), arguments: initial } }] })];
        }
        this.blocks.set(event.index, block.type === 'thinking' ? { kind: 'thinking' } : { kind: 'other' });
        return [];
      }
      case 'content_block_delta': {
        const kind = this.blocks.get(event.index) ?? { kind: 'other' };
        const d = event.delta;
        switch (d.type) {
          case 'text_delta':
            return d.text ? [this.chunk({ content: d.text })] : [];
          case 'input_json_delta':
            if (!d.partial_json) return [];
            if (kind.kind === 'json') return [this.chunk({ content: d.partial_json })];
            if (kind.kind === 'tool') return [this.chunk({ tool_calls: [argumentsDelta(kind.toolIndex, d.partial_json)] })];
            return [];
          case 'thinking_delta':
            return d.thinking ? [this.chunk({ reasoning_content: d.thinking })] : [];
          default:
            return [];
        }
      }
      case 'content_block_stop':
        return [];
      case 'message_delta': {
        this.mergeUsage(event.usage);
        this.stopReason = event.delta.stop_reason;
        let finish = finishReasonFrom(this.stopReason) ?? 'stop';
        if (finish === 'tool_calls' && this.nextToolIndex === 0) finish = 'stop'; // only the emulated json tool was used
        return [this.chunk({}, finish)];
      }
      case 'message_stop': {
        this.stopped = true;
        return [{ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: usageFromAnthropic(this.usage) }];
      }
      case 'ping':
        return [];
      case 'error':
        throw upstreamErrorFromAnthropicEvent(event);
      default:
        return [];
    }
  }
}
