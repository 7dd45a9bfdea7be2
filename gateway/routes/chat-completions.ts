// POST /v1/chat/completions — route → stages → provider → events, top to bottom.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ChatCompletionBody } from '../../schemas/api/openai.ts';
import type { GatewayDeps } from '../app.ts';
import { GatewayError, openAiErrorBody } from '../errors.ts';
import { toUpstreamGatewayError } from '../routing/router.ts';
import { now, type RequestContext } from '../pipeline/context.ts';
import { requestEvent, responseEvent, errorEvent } from '../pipeline/events.ts';
import { startSse, writeSseData, endSse } from '../pipeline/sse.ts';
import type { ChatCompletionChunk, ChatRequest } from '../providers/types.ts';
import { abortOnClientGone } from '../pipeline/abort.ts';

export function chatCompletionsRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/chat/completions', { schema: { body: ChatCompletionBody } }, async (request, reply) => {
    const ctx = request.helix;
    const body = request.body as ChatRequest;
    ctx.model = body.model;
    ctx.stream = body.stream === true;
    deps.router.deploymentsFor(body.model); // 404 before anything is sent upstream
    deps.events.emit(requestEvent(ctx, body.messages, deps.config.helix_settings.log_prompts));
    ctx.requestEmitted = true;

    const signal = abortOnClientGone(reply);
    if (ctx.stream) return streamChat(deps, ctx, body, reply, signal);

    const started = now();
    const completion = await deps.router.call(ctx, body.model, (adapter, cc) => adapter.chat({ ...body, model: cc.deployment.upstreamModel }, cc), signal);
    ctx.upstreamMs = ctx.upstreamTtfbMs = now() - started;
    ctx.usage = completion.usage;
    ctx.finishReason = completion.choices[0]?.finish_reason ?? '';
    deps.events.emit(responseEvent(ctx));
    return reply.header('x-request-id', ctx.requestId).send(completion);
  });
}

async function streamChat(deps: GatewayDeps, ctx: RequestContext, body: ChatRequest, reply: FastifyReply, signal: AbortSignal) {
  const started = now();
  const wantsUsage = body.stream_options?.include_usage === true;
  // Retries are only possible until the first chunk: the router retries obtaining it.
  const { iterator, first } = await deps.router.call(
    ctx,
    body.model,
    async (adapter, cc) => {
      const it = adapter.chatStream({ ...body, model: cc.deployment.upstreamModel }, cc)[Symbol.asyncIterator]();
      return { iterator: it, first: await it.next() };
    },
    signal,
  );
  ctx.upstreamTtfbMs = now() - started;
  reply.hijack();
  const res = reply.raw;
  startSse(res, { 'x-request-id': ctx.requestId });
  const forward = (chunk: ChatCompletionChunk) => {
    if (chunk.usage) ctx.usage = chunk.usage;
    const finish = chunk.choices[0]?.finish_reason;
    if (finish) ctx.finishReason = finish;
    if (chunk.choices.length === 0 && chunk.usage && !wantsUsage) return; // usage-only chunk the client did not ask for
    writeSseData(res, wantsUsage || !chunk.usage ? chunk : { ...chunk, usage: undefined });
  };
  try {
    if (!first.done) forward(first.value);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      if (signal.aborted) break;
      forward(next.value);
    }
    ctx.upstreamMs = now() - started;
    if (signal.aborted) {
      deps.events.emit(errorEvent(ctx, new GatewayError('client_closed_request', 'The client closed the stream before it finished.')));
      res.end();
      return;
    }
    endSse(res);
    deps.events.emit(responseEvent(ctx));
  } catch (err) {
    ctx.upstreamMs = now() - started;
    const gerr = toUpstreamGatewayError(err);
    deps.events.emit(errorEvent(ctx, gerr));
    if (!res.writableEnded) {
      writeSseData(res, openAiErrorBody(gerr));
      endSse(res, false);
    }
  }
}
