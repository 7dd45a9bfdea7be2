// /v1/responses out, streaming: canonical (OpenAI chat) chunks → the Responses API's typed events, each with its
// sequence_number, as the official SDK's ResponseStream accumulates them:
//   response.created → response.in_progress → per output item: output_item.added → (content_part.added →
//   output_text.delta* → output_text.done → content_part.done | function_call_arguments.delta* → .done) →
//   output_item.done → response.completed | response.incomplete (| response.failed + error on a failure).
import { randomBytes } from 'node:crypto';
import type { ChatCompletionChunk, Usage } from '../../core/llm.ts';
import { ERRORS, type GatewayError } from '../errors.ts';
import { messageItem } from './client-response.ts';
import { newId, responseObject, responsesUsage, statusFrom, type ResponseHead, type ResponseOutcome } from './envelope.ts';
import type { ItemStatus, Json, ResponseObject, ResponsesFunctionCall, ResponsesOutputItem, ResponsesOutputMessage, ResponsesRequest } from './wire.ts';

export type ResponsesStreamEvent = { type: string; sequence_number: number } & Json;

/** `event: <type>` + `data: <json>`, as the API sends them (no `[DONE]` at the end). */
export function formatResponsesSse(event: ResponsesStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

interface OpenText {
  item: ResponsesOutputMessage;
  index: number;
  text: string;
}

export class ChatStreamToResponses {
  private seq = 0;
  private started = false;
  private ended = false;
  private readonly output: ResponsesOutputItem[] = [];
  private message: OpenText | undefined;
  /** Chat tool_call index → its output item (kept open until the stream ends). */
  private readonly calls = new Map<number, { item: ResponsesFunctionCall; index: number }>();
  private finishReason: string | null = null;
  private usage: Usage | undefined;
  /** The full response once the stream ended (completed, incomplete or failed). */
  final: ResponseObject | undefined;

  constructor(
    private readonly body: ResponsesRequest,
    private readonly head: ResponseHead,
    /** Prompt-token estimate, for a stream whose upstream sent no usage. */
    private readonly inputTokens: number,
  ) {}

  push(chunk: ChatCompletionChunk): ResponsesStreamEvent[] {
    const out = this.start();
    if (this.ended) return out;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices.find((c) => c.index === 0);
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content) {
      const m = this.openMessage(out);
      m.text += delta.content;
      this.emit(out, 'response.output_text.delta', { item_id: m.item.id, output_index: m.index, content_index: 0, delta: delta.content, logprobs: [] });
    }
    for (const tc of delta.tool_calls ?? []) {
      let call = this.calls.get(tc.index);
      if (!call) {
        this.closeMessage(out, 'completed');
        const item: ResponsesFunctionCall = { type: 'function_call', id: newId('fc'), call_id: tc.id ?? `call_${randomBytes(12).toString('hex')}`, name: tc.function?.name ?? '', arguments: '', status: 'in_progress' };
        call = { item, index: this.output.push(item) - 1 };
        this.calls.set(tc.index, call);
        this.emit(out, 'response.output_item.added', { output_index: call.index, item: { ...item } });
      }
      const args = tc.function?.arguments;
      if (args) {
        call.item.arguments += args;
        this.emit(out, 'response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.index, delta: args });
      }
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /** Closes every open item and ends with response.completed or response.incomplete. */
  finish(): ResponsesStreamEvent[] {
    const out = this.start();
    if (this.ended) return out;
    const { status, incomplete_details } = statusFrom(this.finishReason);
    const itemStatus: ItemStatus = status === 'completed' ? 'completed' : 'incomplete';
    if (!this.output.length) this.openMessage(out);
    this.closeMessage(out, itemStatus);
    for (const { item, index } of this.calls.values()) {
      item.status = 'completed';
      this.emit(out, 'response.function_call_arguments.done', { item_id: item.id, output_index: index, name: item.name, arguments: item.arguments });
      this.emit(out, 'response.output_item.done', { output_index: index, item: { ...item } });
    }
    const usage = responsesUsage(this.usage ?? { prompt_tokens: this.inputTokens, completion_tokens: 0, total_tokens: this.inputTokens });
    return this.end(out, status === 'completed' ? 'response.completed' : 'response.incomplete', { status, incomplete_details, output: this.output, usage });
  }

  /** A failure after the stream started: response.failed, then the `error` event (the SDK raises it as an APIError). */
  fail(err: GatewayError): ResponsesStreamEvent[] {
    const out = this.start();
    if (this.ended) return out;
    const code = err.code === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'server_error';
    this.end(out, 'response.failed', { status: 'failed', incomplete_details: null, output: this.output, usage: null, error: { code, message: err.message } });
    const error = { type: ERRORS[err.code].type, code: err.code, message: err.message, param: err.extra.param ?? null };
    this.emit(out, 'error', { code: err.code, message: err.message, param: error.param, error });
    return out;
  }

  private start(): ResponsesStreamEvent[] {
    const out: ResponsesStreamEvent[] = [];
    if (this.started) return out;
    this.started = true;
    const response = responseObject(this.body, this.head, { status: 'in_progress', incomplete_details: null, output: [], usage: null });
    this.emit(out, 'response.created', { response });
    this.emit(out, 'response.in_progress', { response });
    return out;
  }

  private end(out: ResponsesStreamEvent[], type: string, outcome: ResponseOutcome): ResponsesStreamEvent[] {
    this.ended = true;
    this.final = responseObject(this.body, this.head, outcome);
    this.emit(out, type, { response: this.final });
    return out;
  }

  private openMessage(out: ResponsesStreamEvent[]): OpenText {
    if (this.message) return this.message;
    const item: ResponsesOutputMessage = { type: 'message', id: newId('msg'), role: 'assistant', status: 'in_progress', content: [] };
    this.message = { item, index: this.output.push(item) - 1, text: '' };
    this.emit(out, 'response.output_item.added', { output_index: this.message.index, item: { ...item, content: [] } });
    this.emit(out, 'response.content_part.added', { item_id: item.id, output_index: this.message.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
    return this.message;
  }

  private closeMessage(out: ResponsesStreamEvent[], status: ItemStatus): void {
    const m = this.message;
    if (!m) return;
    this.message = undefined;
    const done = messageItem(m.item.id, m.text, status);
    this.output[m.index] = done;
    const at = { item_id: m.item.id, output_index: m.index, content_index: 0 };
    this.emit(out, 'response.output_text.done', { ...at, text: m.text, logprobs: [] });
    this.emit(out, 'response.content_part.done', { ...at, part: done.content[0] });
    this.emit(out, 'response.output_item.done', { output_index: m.index, item: done });
  }

  private emit(out: ResponsesStreamEvent[], type: string, fields: Json): void {
    out.push({ type, sequence_number: this.seq++, ...fields });
  }
}
