// ConverseStream events → OpenAI chat.completion.chunk objects: messageStart → role chunk, text deltas → content,
// toolUse start/deltas → tool_calls (id and name first, then argument fragments), reasoning deltas →
// reasoning_content, messageStop → finish_reason chunk, metadata → a last usage-only chunk.
import type { ChatCompletionChunk, ChunkChoice, Usage } from '../../../core/llm.ts';
import { completionId, finishReasonOf, usageFromConverse } from './response.ts';
import type { ConversePlan } from './request.ts';
import type { ConverseStreamEvent } from './wire.ts';

export class ConverseStreamToOpenAI {
  /** messageStop arrived: the answer is complete. */
  done = false;
  /** metadata (usage) arrived. */
  usageSeen = false;
  /** Everything the answer said, for counting usage when the stream reports none. */
  text = '';
  private readonly id = completionId();
  private readonly created = Math.floor(Date.now() / 1000);
  /** contentBlockIndex → tool_calls index. */
  private readonly tools = new Map<number, number>();
  /** contentBlockIndex of the forced JSON tool (response_format emulation): its input streams as content. */
  private jsonBlock: number | undefined;

  constructor(
    private readonly model: string,
    private readonly plan: ConversePlan,
  ) {}

  chunk(delta: ChunkChoice['delta'], finishReason: string | null = null): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] };
  }

  usageChunk(usage: Usage): ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage };
  }

  push(ev: ConverseStreamEvent): ChatCompletionChunk[] {
    switch (ev.type) {
      case 'messageStart':
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'contentBlockStart': {
        const start = ev.payload.start?.toolUse;
        if (!start) return [];
        this.text += start.name;
        if (this.plan.jsonTool && start.name === this.plan.jsonTool) {
          this.jsonBlock = ev.payload.contentBlockIndex;
          return [];
        }
        const index = this.tools.size;
        this.tools.set(ev.payload.contentBlockIndex, index);
        return [this.chunk({ tool_calls: [{ index, id: start.toolUseId, type: 'function', function: { name: start.name, arguments: '' } }] })];
      }
      case 'contentBlockDelta': {
        const delta = ev.payload.delta ?? {};
        if (typeof delta.text === 'string') {
          this.text += delta.text;
          return delta.text ? [this.chunk({ content: delta.text })] : [];
        }
        if (delta.toolUse && typeof delta.toolUse.input === 'string') {
          const input = delta.toolUse.input;
          this.text += input;
          if (ev.payload.contentBlockIndex === this.jsonBlock) return input ? [this.chunk({ content: input })] : [];
          let index = this.tools.get(ev.payload.contentBlockIndex);
          if (index === undefined) {
            index = this.tools.size;
            this.tools.set(ev.payload.contentBlockIndex, index);
          }
          return input ? [this.chunk({ tool_calls: [{ index, function: { arguments: input } }] })] : [];
        }
        if (typeof delta.reasoningContent?.text === 'string' && delta.reasoningContent.text) {
          this.text += delta.reasoningContent.text;
          return [this.chunk({ reasoning_content: delta.reasoningContent.text })];
        }
        return [];
      }
      case 'contentBlockStop':
        return [];
      case 'messageStop':
        this.done = true;
        return [this.chunk({}, finishReasonOf(ev.payload.stopReason, this.plan))];
      case 'metadata':
        if (!ev.payload.usage) return [];
        this.usageSeen = true;
        return [this.usageChunk(usageFromConverse(ev.payload.usage))];
      default:
        return [];
    }
  }
}
