// The conditions of model-swap rules (pure). Each reads only the request and a few lazily computed facts, so a
// request that matches no `from` model costs nothing, and the tokenizer or the budget lookup run only when a rule
// needs them.
import type { SwapConditions } from '../../schemas/config/budgets.ts';
import type { ChatRequest } from '../../core/llm.ts';

export interface RequestFacts {
  body: ChatRequest;
  promptTokens(): number;
  /** Highest used fraction of the caller's budgets; undefined without a budget. */
  budgetUsed(): Promise<number | undefined>;
  hourUtc: number;
}

/**
 * A request a smaller model of the same family handles as well: plain text in and out — no tools or functions, no
 * structured output, no images/audio/files — and a short conversation.
 */
export function isSimpleRequest(body: ChatRequest, maxMessages: number): boolean {
  if (body.messages.length > maxMessages) return false;
  if ((Array.isArray(body.tools) && body.tools.length > 0) || body.functions !== undefined) return false;
  const format = body.response_format as { type?: unknown } | undefined;
  if (format && format.type !== 'text') return false;
  return body.messages.every((m) => typeof m.content === 'string' || m.content == null || (Array.isArray(m.content) && m.content.every((p) => p.type === 'text')));
}

/** `22-06` → is `hour` in [22, 6) across midnight; `9-17` → [9, 17). */
export function inHourWindow(window: string, hour: number): boolean {
  const [from, to] = window.split('-').map(Number) as [number, number];
  if (from === to) return true;
  return from < to ? hour >= from && hour < to : hour >= from || hour < to;
}

export const DEFAULT_SIMPLE_MAX_MESSAGES = 4;

/** Whether every given condition holds (an empty `when` never matches: a rule must say when). */
export async function conditionsHold(when: SwapConditions, facts: RequestFacts): Promise<boolean> {
  const given = Object.values(when).some((v) => v !== undefined);
  if (!given) return false;
  if (when.hours_utc !== undefined && !inHourWindow(when.hours_utc, facts.hourUtc)) return false;
  if (when.simple && !isSimpleRequest(facts.body, when.max_messages ?? DEFAULT_SIMPLE_MAX_MESSAGES)) return false;
  if (when.simple === undefined && when.max_messages !== undefined && facts.body.messages.length > when.max_messages) return false;
  if (when.max_prompt_tokens !== undefined && facts.promptTokens() > when.max_prompt_tokens) return false;
  if (when.budget_used_above !== undefined) {
    const used = await facts.budgetUsed();
    if (used === undefined || used <= when.budget_used_above) return false;
  }
  return true;
}
