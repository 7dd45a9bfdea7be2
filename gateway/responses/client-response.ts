// /v1/responses out: the canonical (OpenAI chat) completion → the Response object (a message item with the text,
// one function_call item per tool call).
import type { ChatCompletion, ChatMessage } from '../../core/llm.ts';
import { newId, responsesUsage, statusFrom, type ResponseOutcome } from './envelope.ts';
import type { ItemStatus, ResponsesOutputItem, ResponsesOutputMessage } from './wire.ts';

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

export function messageItem(id: string, text: string, status: ItemStatus): ResponsesOutputMessage {
  return { type: 'message', id, role: 'assistant', status, content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
}

/** The output items and status of a chat completion (first choice). */
export function outcomeOfCompletion(completion: ChatCompletion): ResponseOutcome {
  const choice = completion.choices[0];
  const message = choice?.message;
  const { status, incomplete_details } = statusFrom(choice?.finish_reason);
  const itemStatus: ItemStatus = status === 'completed' ? 'completed' : 'incomplete';
  const output: ResponsesOutputItem[] = [];
  const text = textOf(message?.content);
  const refusal = typeof message?.refusal === 'string' && message.refusal ? message.refusal : '';
  const calls = message?.tool_calls ?? [];
  if (refusal) output.push({ type: 'message', id: newId('msg'), role: 'assistant', status: itemStatus, content: [{ type: 'refusal', refusal }] });
  else if (text || !calls.length) output.push(messageItem(newId('msg'), text, itemStatus));
  for (const call of calls) {
    output.push({ type: 'function_call', id: newId('fc'), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: 'completed' });
  }
  return { status, incomplete_details, output, usage: responsesUsage(completion.usage) };
}
