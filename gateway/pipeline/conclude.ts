// How a request ends: exactly one response or error event (after the request event), and its budget hold settled
// to what the provider bills. The runner, the stream it hands out and the /v1 error handler all end requests here.
import { countTokens } from '../../lib/tokens.ts';
import { GatewayError } from '../errors.ts';
import type { Usage } from '../../core/llm.ts';
import type { RequestTrace } from './trace.ts';
import { errorEvent, requestEvent, responseEvent, type EventSink } from './events.ts';
import type { Flight } from './flight.ts';
import type { ResponseEvent } from '../../schemas/events.ts';

export const clientClosed = () => new GatewayError('client_closed_request', 'The client closed the request before it finished.');

/** A finished request as an end observer sees it: the flight is there when the pipeline ran. */
export interface RequestEnd {
  trace: RequestTrace;
  event: ResponseEvent;
  error: GatewayError | undefined;
  flight: Flight<unknown, unknown, unknown> | undefined;
}

/** An event sink that is also told of each request's end (OpenTelemetry spans and metrics: gateway/telemetry/). */
export interface EndObservingSink extends EventSink {
  requestEnded(end: RequestEnd): void;
}

const observesEnds = (sink: EventSink): sink is EndObservingSink => 'requestEnded' in sink;

/** Emits the request's closing event (and its request event if none went out yet); undefined if it already ended. */
export function finishRequest(events: EventSink, trace: RequestTrace, error?: GatewayError, flight?: Flight<unknown, unknown, unknown>) {
  if (trace.finished) return undefined;
  trace.finished = true;
  if (!trace.requestEmitted) {
    events.emit(requestEvent(trace, [], false));
    trace.requestEmitted = true;
  }
  const event = error ? errorEvent(trace, error) : responseEvent(trace);
  events.emit(event);
  if (observesEnds(events)) events.requestEnded({ trace, event, error, flight });
  return event;
}

/** Ends a flight: the closing event, then the hold settled to the event's usage (released when nothing was used). */
export function finishFlight<Req, Res, Chunk>(events: EventSink, f: Flight<Req, Res, Chunk>, error?: GatewayError): void {
  f.pendingHold?.discard();
  f.pendingHold = undefined;
  const event = finishRequest(events, f.trace, error, f);
  const reservation = f.reservation;
  if (!event || !reservation) return;
  if (event.prompt_tokens + event.completion_tokens > 0) void reservation.settle(event);
  else void reservation.release();
}

/**
 * What an aborted call is charged when the provider never reported usage: the prompt, plus the output streamed so
 * far — or, when nothing tells how much was generated (a non-streaming call), the most the hold allowed for.
 */
export function abortedUsage<Req, Res, Chunk>(f: Flight<Req, Res, Chunk>, streamedText?: string, uncountedChars = 0): Usage {
  const prompt = f.promptTokens();
  const completion =
    streamedText !== undefined ? countTokens(streamedText) + Math.ceil(uncountedChars / 4) : (f.reservation?.maxOutputTokens ?? f.op.outputTokens(f.body) ?? 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
