// The chat pipeline shared by /v1/chat/completions and /v1/messages: request event → PII → provider (via the
// router) → PII restore → response event. Routes only translate wire formats and write the answer.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { GatewayDeps } from '../app.ts';
import { replayChunks } from '../cache/replay.ts';
import type { Reservation } from '../budgets/index.ts';
import { inOneWrite, reserveAhead } from '../budgets/ahead.ts';
import { SWAPPED_FROM_HEADER, type SwapCaller } from '../optimizer/index.ts';
import { GatewayError } from '../errors.ts';
import { toUpstreamGatewayError } from '../routing/router.ts';
import type { Restorer, StreamRestorer } from '../pii/index.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../providers/types.ts';
import { now, type RequestContext } from './context.ts';
import { errorEvent, requestEvent, responseEvent } from './events.ts';
import { policyForCaller, protectRequest } from './pii-stage.ts';

export type ChatOutcome = { kind: 'completion'; completion: ChatCompletion } | { kind: 'stream'; chunks: AsyncGenerator<ChatCompletionChunk, void, undefined> };

export interface ChatCaller {
  headers: IncomingHttpHeaders;
  /** The raw response: cache headers are set on it and merged into whatever head the route writes. */
  res: ServerResponse;
  keyMetadata: Record<string, unknown> | undefined;
  /** Who pays: budgets are reserved against this caller's key, user and team; its allowed models bound swaps. */
  principal: SwapCaller | undefined;
}

export async function runChat(deps: GatewayDeps, ctx: RequestContext, requested: ChatRequest, signal: AbortSignal, caller: ChatCaller): Promise<ChatOutcome> {
  // Swap first: events, cache, budget and router all see the model actually served.
  const swap = deps.costControl ? await deps.costControl.optimizer.choose({ body: requested, caller: caller.principal, headers: caller.headers }) : undefined;
  const body = swap ? { ...requested, model: swap.to } : requested;
  if (swap) {
    ctx.modelSwappedFrom = swap.from;
    caller.res.setHeader(SWAPPED_FROM_HEADER, swap.from);
  }
  ctx.model = body.model;
  ctx.stream = body.stream === true;
  deps.router.deploymentsFor(body.model); // 404 before anything is sent upstream
  deps.events.emit(requestEvent(ctx, body.messages, deps.config.helix_settings.log_prompts));
  ctx.requestEmitted = true;

  const pii = protectRequest('openai.chat', body, policyForCaller(deps.config.helix_settings.pii_protection, caller.keyMetadata?.pii_protection), ctx, deps.events);

  // Cache on what the provider would see (after PII handling): no raw PII is ever cached; restore still applies.
  // Budget: the worst-case hold (Redis Lua) is reserved together with the cache lookup — one write, one round trip for
  // both — and confirmed before the provider is called (429 budget_exceeded if it would pass the limit); settled to
  // the actual cost by the response event, released if the call fails. A hit costs nothing: served, its hold released.
  const { lookup, hold } = inOneWrite(deps.redis, () => ({
    lookup: deps.cache?.begin({ headers: caller.headers, body: pii.body, ctx, keyMetadata: caller.keyMetadata, res: caller.res }),
    hold: deps.costControl && caller.principal ? reserveAhead(deps.costControl.budgets, { holder: caller.principal, model: body.model, body: pii.body }) : undefined,
  }));
  const cached = await lookup?.catch((err: unknown) => {
    hold?.discard();
    throw err;
  });
  const upstreamBody = cached?.body ?? pii.body;
  if (cached?.hit) {
    hold?.discard();
    const completion = deps.cache!.answer(cached, caller.res, ctx);
    if (!ctx.stream) {
      if (pii.restorer) restoreCompletion(completion, pii.restorer);
      deps.events.emit(responseEvent(ctx));
      return { kind: 'completion', completion };
    }
    const replay = (async function* () {
      for (const chunk of replayChunks(completion, { id: completion.id, created: completion.created, includeUsage: true })) yield chunk;
    })();
    const first = await replay.next();
    return { kind: 'stream', chunks: streamWithEvents(deps, ctx, replay, first, now(), signal, pii.restorer, undefined) };
  }

  const reservation = await hold?.confirm(upstreamBody);

  const started = now();
  if (!ctx.stream) {
    let completion: ChatCompletion;
    try {
      completion = await deps.router.call(ctx, body.model, (adapter, cc) => adapter.chat({ ...upstreamBody, model: cc.deployment.upstreamModel }, cc), signal);
    } catch (err) {
      await reservation?.release(); // failed before any event with usage: give the reserved amount back
      throw err;
    }
    ctx.upstreamMs = ctx.upstreamTtfbMs = now() - started;
    ctx.usage = completion.usage;
    ctx.finishReason = completion.choices[0]?.finish_reason ?? '';
    // The clone (restore below mutates `completion`) only when the cache will keep it: most answers are not stored.
    if (cached?.plan?.store) deps.cache!.store(cached, structuredClone(completion), ctx);
    if (pii.restorer) restoreCompletion(completion, pii.restorer);
    const event = responseEvent(ctx);
    deps.events.emit(event);
    void reservation?.settle(event);
    return { kind: 'completion', completion };
  }

  // Retries are only possible until the first chunk: the router retries obtaining it.
  let stream: { iterator: AsyncIterator<ChatCompletionChunk>; first: IteratorResult<ChatCompletionChunk> };
  try {
    stream = await deps.router.call(
      ctx,
      body.model,
      async (adapter, cc) => {
        const it = adapter.chatStream({ ...upstreamBody, model: cc.deployment.upstreamModel }, cc)[Symbol.asyncIterator]();
        return { iterator: it, first: await it.next() };
      },
      signal,
    );
  } catch (err) {
    await reservation?.release(); // failed before any event with usage: give the reserved amount back
    throw err;
  }
  const { iterator, first } = stream;
  ctx.upstreamTtfbMs = now() - started;
  const collector = cached ? deps.cache!.collector(cached) : undefined;
  const chunks = streamWithEvents(deps, ctx, iterator, first, started, signal, pii.restorer, collector, reservation);
  return { kind: 'stream', chunks: reservation ? releasing(chunks, reservation) : chunks };
}

/**
 * A stream the route stops reading (its write failed, it returned early) ends without an event to settle with:
 * release the hold then rather than leave it blocking the budget until it expires. A no-op once settled.
 */
async function* releasing(chunks: AsyncGenerator<ChatCompletionChunk, void, undefined>, reservation: Reservation): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  try {
    yield* chunks;
  } finally {
    await reservation.release();
  }
}

async function* streamWithEvents(
  deps: GatewayDeps,
  ctx: RequestContext,
  iterator: AsyncIterator<ChatCompletionChunk>,
  first: IteratorResult<ChatCompletionChunk>,
  started: number,
  signal: AbortSignal,
  restorer: Restorer | undefined,
  collector: { add(chunk: ChatCompletionChunk): void; finish(ctx: RequestContext): void } | undefined,
  reservation?: Reservation,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const restore = restorer ? chunkRestorer(restorer) : undefined;
  let completed = false;
  try {
    for (let next = first; !next.done; next = await iterator.next()) {
      const chunk = next.value;
      if (chunk.usage) ctx.usage = chunk.usage;
      const finish = chunk.choices[0]?.finish_reason;
      if (finish) ctx.finishReason = finish;
      collector?.add(chunk); // before restore: the cache keeps what the provider said
      yield restore ? restore(chunk) : chunk;
      if (signal.aborted) break;
    }
    completed = !signal.aborted;
  } catch (err) {
    ctx.upstreamMs = now() - started;
    const event = errorEvent(ctx, toUpstreamGatewayError(err));
    deps.events.emit(event);
    void reservation?.settle(event);
    throw err;
  } finally {
    if (!completed) await iterator.return?.().catch(() => undefined);
  }
  ctx.upstreamMs = now() - started;
  if (completed) collector?.finish(ctx);
  const event = completed ? responseEvent(ctx) : errorEvent(ctx, new GatewayError('client_closed_request', 'The client closed the stream before it finished.'));
  deps.events.emit(event);
  void reservation?.settle(event);
}

function restoreCompletion(completion: ChatCompletion, restorer: Restorer): void {
  for (const choice of completion.choices) {
    const m = choice.message;
    if (typeof m.content === 'string') m.content = restorer.restoreText(m.content);
    for (const call of m.tool_calls ?? []) call.function.arguments = restorer.restoreJsonString(call.function.arguments);
  }
}

/** Restores placeholders in stream deltas; one stream restorer per choice and per tool call, as they interleave. */
function chunkRestorer(restorer: Restorer): (chunk: ChatCompletionChunk) => ChatCompletionChunk {
  const streams = new Map<string, StreamRestorer>();
  const streamFor = (key: string, json: boolean) => {
    let s = streams.get(key);
    if (!s) streams.set(key, (s = restorer.stream({ json })));
    return s;
  };
  return (chunk) => {
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      const content = streamFor(`c${choice.index}`, false);
      if (typeof delta.content === 'string') delta.content = content.push(delta.content);
      for (const call of delta.tool_calls ?? []) {
        if (call.function?.arguments !== undefined) call.function.arguments = streamFor(`t${choice.index}.${call.index}`, true).push(call.function.arguments);
      }
      if (choice.finish_reason) {
        // End of this choice: release anything held back.
        const rest = content.flush();
        if (rest) delta.content = (delta.content ?? '') + rest;
        for (const [key, s] of streams) {
          if (!key.startsWith(`t${choice.index}.`)) continue;
          const tail = s.flush();
          if (tail) (delta.tool_calls ??= []).push({ index: Number(key.split('.')[1]), function: { arguments: tail } });
        }
      }
    }
    return chunk;
  };
}
