// One request on its way through the stages: the body as it is now, what the stages decided, and the outcome.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Principal } from '../auth/principal.ts';
import type { PendingReservation } from '../budgets/ahead.ts';
import type { Reservation } from '../budgets/reservation.ts';
import type { CacheRequest } from '../cache/chat-cache.ts';
import type { Restorer } from '../pii/restore.ts';
import type { RequestTrace } from './trace.ts';
import type { Operation } from './operation.ts';

export interface Caller {
  headers: IncomingHttpHeaders;
  /** The raw response: stages set headers on it, merged into whatever head the route writes (JSON or SSE). */
  res: ServerResponse;
  /** Who pays and what they may use; undefined when auth is off. */
  principal: Principal | undefined;
  /** Fires when the client goes away: the upstream call stops too. */
  signal: AbortSignal;
}

export type Outcome<Res, Chunk> = { kind: 'completion'; value: Res } | { kind: 'stream'; chunks: AsyncGenerator<Chunk, void, undefined> };

export interface Flight<Req, Res, Chunk> {
  readonly op: Operation<Req, Res, Chunk>;
  readonly trace: RequestTrace;
  readonly caller: Caller;
  /** The body as the next stage sees it (after the swap, PII handling, the cache's own field removed, …). */
  body: Req;
  /** Puts back the values PII `restore` replaced with placeholders. */
  restorer?: Restorer | undefined;
  cache?: CacheRequest | undefined;
  pendingHold?: PendingReservation | undefined;
  reservation?: Reservation | undefined;
  /** Set by the cache on a hit or by the provider call. */
  outcome?: Outcome<Res, Chunk> | undefined;
  /** The outcome came from the cache: nothing upstream to scan, store or charge. */
  fromCache: boolean;
  /** The provider was sent the request (from then on an abort costs money). */
  upstreamCalled: boolean;
  upstreamStarted: number;
  /** Prompt tokens of the current body, counted once. */
  promptTokens(): number;
}

export function newFlight<Req, Res, Chunk>(op: Operation<Req, Res, Chunk>, trace: RequestTrace, caller: Caller, body: Req): Flight<Req, Res, Chunk> {
  let counted: { body: Req; tokens: number } | undefined;
  const flight: Flight<Req, Res, Chunk> = {
    op,
    trace,
    caller,
    body,
    fromCache: false,
    upstreamCalled: false,
    upstreamStarted: 0,
    promptTokens() {
      if (counted?.body !== flight.body) counted = { body: flight.body, tokens: op.promptTokens(flight.body) };
      return counted.tokens;
    },
  };
  return flight;
}
