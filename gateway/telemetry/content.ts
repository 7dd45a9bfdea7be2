// Prompts and completions for `capture_content`, in the GenAI conventions' message shape
// ([{ role, parts: [{ type: 'text', content }] }]). Only text that left PII protection: the prompt as it went
// upstream (or to the cache), and the answer unless PII `restore` put originals back into it.
import type { Attributes } from '@opentelemetry/api';
import { ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES } from '@opentelemetry/semantic-conventions/incubating';
import { messageText } from '../../core/prompt-tokens.ts';
import type { Flight } from '../pipeline/flight.ts';

/** Characters of prompt (and of completion) kept per request; the most recent messages are kept first. */
const CONTENT_CHARS_MAX = 32 * 1024;

type Part = { type: 'text'; content: string } | { type: 'tool_call'; arguments: string };
interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

/** Clips texts to a shared budget, last message first (the newest turn is what a reader wants to see). */
function withinBudget(messages: Message[]): Message[] {
  let left = CONTENT_CHARS_MAX;
  const kept: Message[] = [];
  for (let i = messages.length - 1; i >= 0 && left > 0; i--) {
    const m = messages[i]!;
    const parts: Part[] = [];
    for (const p of m.parts) {
      if (left <= 0) break;
      const text = p.type === 'text' ? p.content : p.arguments;
      const clipped = text.length > left ? `${text.slice(0, left)}…` : text;
      left -= text.length;
      parts.push(p.type === 'text' ? { type: 'text', content: clipped } : { type: 'tool_call', arguments: clipped });
    }
    kept.unshift({ ...m, parts });
  }
  return kept;
}

function inputMessages(f: Flight<unknown, unknown, unknown>): Message[] {
  return f.op.promptMessages(f.body).map((m) => ({ role: String(m.role), parts: [{ type: 'text', content: messageText(m.content) }] }));
}

/** The answer's text fields, read through the operation's own walker (it writes each text back unchanged). */
function outputMessages(f: Flight<unknown, unknown, unknown>, finishReason: string): Message[] {
  const outcome = f.outcome;
  if (outcome?.kind !== 'completion') return [];
  const parts: Part[] = [];
  f.op.rewriteOutput(outcome.value, (text, json) => {
    parts.push(json ? { type: 'tool_call', arguments: text } : { type: 'text', content: text });
    return text;
  });
  return parts.length ? [{ role: 'assistant', parts, ...(finishReason && { finish_reason: finishReason }) }] : [];
}

/** The content event's attributes, or undefined when nothing may be shown. */
export function capturedContent(f: Flight<unknown, unknown, unknown>, finishReason: string, failed: boolean): Attributes | undefined {
  // Before the call (or cache lookup) the body may not have been through PII protection yet.
  if (!f.upstreamCalled && !f.fromCache) return undefined;
  const out: Attributes = { [ATTR_GEN_AI_INPUT_MESSAGES]: JSON.stringify(withinBudget(inputMessages(f))) };
  if (!failed && !f.restorer && f.op.kind !== 'embeddings') {
    const output = outputMessages(f, finishReason);
    if (output.length) out[ATTR_GEN_AI_OUTPUT_MESSAGES] = JSON.stringify(withinBudget(output));
  }
  return out;
}
