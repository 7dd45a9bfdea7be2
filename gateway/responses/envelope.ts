// The Response object around the output items: ids, status, usage, and the request fields the API echoes back.
// Shared by the JSON answer (client-response.ts) and every lifecycle event of a stream (client-stream.ts).
import { randomBytes } from 'node:crypto';
import type { Usage } from '../../core/llm.ts';
import type { Json, ResponseObject, ResponseStatus, ResponsesOutputItem, ResponsesRequest, ResponsesUsage } from './wire.ts';

/** `resp_…`, `msg_…`, `fc_…`: random ids in the API's style. */
export const newId = (prefix: 'resp' | 'msg' | 'fc'): string => `${prefix}_${randomBytes(24).toString('hex')}`;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

/** Chat usage → Responses usage (input tokens include cached ones in both APIs). */
export function responsesUsage(usage: Usage | null | undefined): ResponsesUsage {
  const input = count(usage?.prompt_tokens);
  const output = count(usage?.completion_tokens);
  const cached = count(usage?.prompt_tokens_details?.cached_tokens ?? usage?.cache_read_input_tokens);
  const details = usage?.completion_tokens_details as { reasoning_tokens?: unknown } | undefined;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: count(details?.reasoning_tokens) },
    total_tokens: count(usage?.total_tokens) || input + output,
  };
}

/** Responses usage → chat usage, for budgets and events (cached and reasoning counts kept in their details). */
export function usageFromResponses(usage: unknown): Usage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as { input_tokens?: unknown; output_tokens?: unknown; total_tokens?: unknown; input_tokens_details?: { cached_tokens?: unknown } | null; output_tokens_details?: { reasoning_tokens?: unknown } | null };
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: count(u.total_tokens) || input + output,
    prompt_tokens_details: { cached_tokens: count(u.input_tokens_details?.cached_tokens) },
    completion_tokens_details: { reasoning_tokens: count(u.output_tokens_details?.reasoning_tokens) },
  };
}

/** Chat finish_reason → the response's status and, when incomplete, why. */
export function statusFrom(finishReason: string | null | undefined): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** Function tools as the API echoes them (every field present). */
function echoedTools(tools: Json[] | undefined): unknown[] {
  return (tools ?? []).map((t) => ({ ...t, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? true }));
}

/** What one response is: fixed when it starts, its outcome filled in as it ends. */
export interface ResponseHead {
  id: string;
  createdAt: number;
  /** Whether the response is kept for previous_response_id (false without a store). */
  stored: boolean;
}

export interface ResponseOutcome {
  status: ResponseStatus;
  incomplete_details: ResponseObject['incomplete_details'];
  output: ResponsesOutputItem[];
  usage: ResponsesUsage | null;
  error?: ResponseObject['error'];
}

export function responseObject(body: ResponsesRequest, head: ResponseHead, outcome: ResponseOutcome): ResponseObject {
  return {
    id: head.id,
    object: 'response',
    created_at: head.createdAt,
    status: outcome.status,
    ...(outcome.status === 'completed' ? { completed_at: nowSeconds() } : {}),
    background: false,
    error: outcome.error ?? null,
    incomplete_details: outcome.incomplete_details,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: outcome.output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: head.stored,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: 'text' }, ...(body.text?.verbosity ? { verbosity: body.text.verbosity } : {}) },
    tool_choice: body.tool_choice ?? 'auto',
    tools: echoedTools(body.tools),
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: outcome.usage,
    ...(body.user ? { user: body.user } : {}),
    metadata: body.metadata ?? {},
  };
}
