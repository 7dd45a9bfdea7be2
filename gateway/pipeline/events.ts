// Turns a request's trace into the request / response / error events of schemas/events.ts.
import type { HelixEvent, RequestEvent, ResponseEvent } from '../../schemas/events.ts';
import { newEvent, type EventSubject } from '../../core/events/envelope.ts';
import { messageText } from '../../core/prompt-tokens.ts';
import type { GatewayError } from '../errors.ts';
import type { ChatMessage } from '../../core/llm.ts';
import { now, type RequestTrace } from './trace.ts';

export interface EventSink {
  emit(event: HelixEvent): void;
  /** False while the event stream cannot take a request's events (the spool is at its cap): see docs/events.md. */
  accepting?(): boolean;
  /** Resolves once the billing events emitted so far are durable (write-ahead log or Kafka): see docs/events.md. */
  committed?(): Promise<void>;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Token counts as the columns hold them (UInt32): an upstream's negative, fractional or absurd usage is bounded here. */
const TOKENS_MAX = 2 ** 32 - 1;
function tokens(n: unknown): number {
  return typeof n === 'number' && n > 0 ? Math.min(TOKENS_MAX, Math.floor(n)) : 0;
}

/** Who a request's events are about. */
export function subjectOf(trace: RequestTrace): EventSubject {
  return { request_id: trace.requestId, key_id: trace.keyId, team_id: trace.teamId, user_id: trace.userId };
}

export function requestEvent(trace: RequestTrace, messages: ChatMessage[], logPrompts: boolean): RequestEvent {
  let promptChars = 0;
  for (const m of messages) promptChars += messageText(m.content).length;
  return newEvent<RequestEvent>('request', subjectOf(trace), {
    model: trace.model,
    provider: trace.provider,
    deployment: trace.deployment,
    endpoint: trace.endpoint,
    stream: trace.stream,
    message_count: messages.length,
    prompt_chars: promptChars,
    prompt: logPrompts ? JSON.stringify(messages) : '',
    end_user: trace.endUser,
    tags: trace.tags,
  });
}

/** Response and error events: one literal too (see requestEvent). */
function completionEvent(trace: RequestTrace, type: 'response' | 'error', httpStatus: number, errorType: string, errorMessage: string): ResponseEvent {
  const totalMs = now() - trace.startedAt;
  const usage = trace.usage;
  return newEvent<ResponseEvent>(type, subjectOf(trace), {
    model: trace.model,
    provider: trace.provider,
    deployment: trace.deployment,
    endpoint: trace.endpoint,
    stream: trace.stream,
    status: type === 'response' ? 'ok' : 'error',
    http_status: httpStatus,
    error_type: errorType,
    error_message: errorMessage,
    finish_reason: trace.finishReason,
    prompt_tokens: tokens(usage?.prompt_tokens),
    completion_tokens: tokens(usage?.completion_tokens),
    total_tokens: tokens(usage?.total_tokens),
    gateway_overhead_ms: round(Math.max(0, totalMs - trace.upstreamMs)),
    upstream_ttfb_ms: round(trace.upstreamTtfbMs),
    upstream_ms: round(trace.upstreamMs),
    total_ms: round(totalMs),
    attempts: trace.attempts,
    cache: trace.cache,
    cached_tokens: tokens(usage?.prompt_tokens_details?.cached_tokens),
    model_swapped_from: trace.modelSwappedFrom,
    end_user: trace.endUser,
    tags: trace.tags,
  });
}

export function responseEvent(trace: RequestTrace): ResponseEvent {
  return completionEvent(trace, 'response', 200, '', '');
}

export function errorEvent(trace: RequestTrace, err: GatewayError): ResponseEvent {
  return completionEvent(trace, 'error', err.status, err.code, err.message.slice(0, 500));
}
