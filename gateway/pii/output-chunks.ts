// Output scanning of streamed responses chunk by chunk: one stream scanner (output-stream.ts) per choice and
// field (content, refusal, each tool call's arguments), since their deltas interleave. Each chunk comes back as a
// copy whose text deltas hold only what is safe to release; the rest follows in later chunks, at the latest in
// the chunk that carries the choice's `finish_reason`. Use before the restorer: it scans what the provider said.
import { scansOutput } from './output.ts';
import { createOutputStreamScanner, type OutputStreamOptions, type OutputStreamScanner } from './output-stream.ts';
import type { PiiPolicy } from './policy.ts';
import type { Finding } from './types.ts';

export interface ChunkOutputScanner<C> {
  /** The chunk to send (a copy when anything was held back or replaced). */
  scan(chunk: C): C;
  /** Findings so far, of every choice and field (paths such as `choices[0].delta.content`). */
  readonly findings: Finding[];
}

interface ToolCallDeltaLike {
  index: number;
  function?: { arguments?: string };
}

/** A streamed chat completion chunk as far as output scanning reads it (the provider types satisfy it). */
export interface ChatChunkLike {
  choices: ReadonlyArray<{ index: number; delta: { content?: unknown; refusal?: unknown; tool_calls?: ToolCallDeltaLike[]; [k: string]: unknown }; finish_reason: string | null }>;
}

/** A streamed legacy completion chunk. */
export interface TextCompletionChunkLike {
  choices: ReadonlyArray<{ index: number; text: string; finish_reason: string | null }>;
}

/** The scanners of one response, by choice and field. */
class StreamSet {
  readonly findings: Finding[] = [];
  readonly #streams = new Map<string, OutputStreamScanner>();

  constructor(readonly policy: PiiPolicy) {}

  push(choice: number, field: string, text: string, options: OutputStreamOptions): string {
    const key = `${choice}/${field}`;
    let stream = this.#streams.get(key);
    if (!stream) this.#streams.set(key, (stream = createOutputStreamScanner(this.policy, { role: 'assistant', ...options, findings: this.findings })));
    return stream.push(text);
  }

  /** Ends every stream of a choice: field → the text still held (empty ones left out). */
  flushChoice(choice: number): Map<string, string> {
    const tails = new Map<string, string>();
    const prefix = `${choice}/`;
    for (const [key, stream] of this.#streams) {
      if (!key.startsWith(prefix)) continue;
      const tail = stream.flush();
      if (tail) tails.set(key.slice(prefix.length), tail);
      this.#streams.delete(key);
    }
    return tails;
  }
}

const TOOL_FIELD = 'tool_calls/';

/** Streamed chat completions: `delta.content`, `delta.refusal`, `delta.tool_calls[].function.arguments`. */
export function createChatStreamOutputScanner<C extends ChatChunkLike>(policy: PiiPolicy): ChunkOutputScanner<C> {
  if (!scansOutput(policy)) return { scan: (chunk) => chunk, findings: [] };
  const streams = new StreamSet(policy);
  const scanChoice = (choice: C['choices'][number]) => {
    const i = choice.index;
    const delta = { ...choice.delta };
    for (const field of ['content', 'refusal'] as const) {
      const value = delta[field];
      if (typeof value === 'string') delta[field] = streams.push(i, field, value, { path: `choices[${i}].delta.${field}` });
    }
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls = delta.tool_calls.map((call) => {
        const args = call.function?.arguments;
        if (typeof args !== 'string') return call;
        const path = `choices[${i}].delta.tool_calls[${call.index}].function.arguments`;
        return { ...call, function: { ...call.function, arguments: streams.push(i, `${TOOL_FIELD}${call.index}`, args, { path, json: true }) } };
      });
    }
    if (choice.finish_reason) {
      for (const [field, tail] of streams.flushChoice(i)) {
        if (field.startsWith(TOOL_FIELD)) {
          delta.tool_calls = [...(delta.tool_calls ?? []), { index: Number(field.slice(TOOL_FIELD.length)), function: { arguments: tail } }];
        } else {
          const held = delta[field];
          delta[field] = (typeof held === 'string' ? held : '') + tail;
        }
      }
    }
    return { ...choice, delta };
  };
  return { findings: streams.findings, scan: (chunk) => ({ ...chunk, choices: chunk.choices.map(scanChoice) }) };
}

/** Streamed legacy completions: `choices[].text`. */
export function createCompletionStreamOutputScanner<C extends TextCompletionChunkLike>(policy: PiiPolicy): ChunkOutputScanner<C> {
  if (!scansOutput(policy)) return { scan: (chunk) => chunk, findings: [] };
  const streams = new StreamSet(policy);
  const scanChoice = (choice: C['choices'][number]) => {
    const i = choice.index;
    let text = streams.push(i, 'text', choice.text, { path: `choices[${i}].text` });
    if (choice.finish_reason) text += streams.flushChoice(i).get('text') ?? '';
    return { ...choice, text };
  };
  return { findings: streams.findings, scan: (chunk) => ({ ...chunk, choices: chunk.choices.map(scanChoice) }) };
}
