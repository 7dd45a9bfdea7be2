// Cached answers to streaming clients: a chat.completion replayed as a real SSE stream — a role chunk, content a
// word at a time, tool calls, the finish chunk, the usage chunk when asked for, [DONE] — and the reverse, the
// chunks of an upstream stream collected into the chat.completion that gets cached.
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChunkChoice, ToolCall, Usage } from '../../core/llm.ts';

/** Content pieces as providers stream them: a word with its leading whitespace. */
export function contentPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** The chunks a provider would have streamed for this completion (usage chunk only when asked for). */
export function replayChunks(completion: ChatCompletion, opts: { id: string; created: number; includeUsage: boolean }): ChatCompletionChunk[] {
  const base = { id: opts.id, object: 'chat.completion.chunk' as const, created: opts.created, model: completion.model };
  const chunk = (choice: ChunkChoice): ChatCompletionChunk => ({ ...base, choices: [choice] });
  const out: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { index, message } = choice;
    out.push(chunk({ index, delta: { role: 'assistant', content: '' }, finish_reason: null }));
    const content = typeof message.content === 'string' ? message.content : '';
    for (const piece of contentPieces(content)) out.push(chunk({ index, delta: { content: piece }, finish_reason: null }));
    if (message.tool_calls?.length) {
      out.push(chunk({ index, delta: { tool_calls: message.tool_calls.map((call, i) => ({ index: i, id: call.id, type: call.type, function: { ...call.function } })) }, finish_reason: null }));
    }
    out.push(chunk({ index, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }));
  }
  if (opts.includeUsage && completion.usage) out.push({ ...base, choices: [], usage: completion.usage });
  return out;
}

interface ChoiceState {
  content: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
}

/** Collects an upstream stream into one chat.completion. */
export class StreamCollector {
  private readonly choices = new Map<number, ChoiceState>();
  private usage: Usage | undefined;
  private id = '';
  private created = 0;
  private model = '';

  add(chunk: ChatCompletionChunk): void {
    this.id ||= chunk.id;
    this.created ||= chunk.created;
    this.model ||= chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices) {
      const state = this.choices.get(c.index) ?? { content: '', toolCalls: [], finishReason: null };
      this.choices.set(c.index, state);
      if (typeof c.delta.content === 'string') state.content += c.delta.content;
      for (const d of c.delta.tool_calls ?? []) {
        const call = (state.toolCalls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (d.id) call.id = d.id;
        if (d.function?.name) call.function.name += d.function.name;
        if (d.function?.arguments) call.function.arguments += d.function.arguments;
      }
      if (c.finish_reason) state.finishReason = c.finish_reason;
    }
  }

  completion(): ChatCompletion {
    const choices = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, s]) => {
        const message: ChatMessage = { role: 'assistant', content: s.content };
        if (s.toolCalls.length) message.tool_calls = s.toolCalls;
        return { index, message, finish_reason: s.finishReason };
      });
    return { id: this.id, object: 'chat.completion', created: this.created, model: this.model, choices, ...(this.usage ? { usage: this.usage } : {}) };
  }
}
