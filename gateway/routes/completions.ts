// POST /v1/completions — legacy text completions, passed through to providers that have them.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { GatewayDeps } from '../app.ts';
import { GatewayError, openAiErrorBody } from '../errors.ts';
import { toUpstreamGatewayError } from '../routing/router.ts';
import { abortOnClientGone } from '../pipeline/abort.ts';
import { now } from '../pipeline/context.ts';
import { errorEvent, requestEvent, responseEvent } from '../pipeline/events.ts';
import { policyForCaller, protectRequest } from '../pipeline/pii-stage.ts';
import { startSse, writeSseData, endSse } from '../pipeline/sse.ts';
import type { Completion, CompletionRequest } from '../providers/types.ts';
import { headersOf } from './chat-completions.ts';

const CompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    prompt: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 }), Type.Array(Type.Integer(), { minItems: 1 }), Type.Array(Type.Array(Type.Integer()), { minItems: 1 })]),
    stream: Type.Optional(Type.Boolean()),
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  { additionalProperties: true },
);

export function completionsRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/completions', { schema: { body: CompletionBody } }, async (request, reply) => {
    const ctx = request.helix;
    const body = request.body as CompletionRequest;
    ctx.model = body.model;
    ctx.stream = body.stream === true;
    deps.router.deploymentsFor(body.model);
    const prompts = (Array.isArray(body.prompt) ? body.prompt : [body.prompt]).filter((p): p is string => typeof p === 'string');
    deps.events.emit(requestEvent(ctx, prompts.map((p) => ({ role: 'user', content: p })), deps.config.helix_settings.log_prompts));
    ctx.requestEmitted = true;
    const pii = protectRequest('openai.completions', body, policyForCaller(deps.config.helix_settings.pii_protection, request.principal?.metadata?.pii_protection), ctx, deps.events);
    const signal = abortOnClientGone(reply);
    const started = now();
    const unsupported = (name: string) => new GatewayError('invalid_request', `Provider ${name} does not support /v1/completions; use /v1/chat/completions.`, { param: 'model' });

    if (!ctx.stream) {
      const completion = await deps.router.call(
        ctx,
        body.model,
        (adapter, cc) => {
          if (!adapter.completions) throw unsupported(adapter.name);
          return adapter.completions({ ...pii.body, model: cc.deployment.upstreamModel }, cc);
        },
        signal,
      );
      ctx.upstreamMs = ctx.upstreamTtfbMs = now() - started;
      ctx.usage = completion.usage ?? undefined;
      ctx.finishReason = completion.choices[0]?.finish_reason ?? '';
      if (pii.restorer) for (const c of completion.choices) c.text = pii.restorer.restoreText(c.text);
      deps.events.emit(responseEvent(ctx));
      return reply.header('x-request-id', ctx.requestId).send(completion);
    }

    const { iterator, first } = await deps.router.call(
      ctx,
      body.model,
      async (adapter, cc) => {
        if (!adapter.completionsStream) throw unsupported(adapter.name);
        const it = adapter.completionsStream({ ...pii.body, model: cc.deployment.upstreamModel }, cc)[Symbol.asyncIterator]();
        return { iterator: it, first: await it.next() };
      },
      signal,
    );
    ctx.upstreamTtfbMs = now() - started;
    reply.hijack();
    const res = reply.raw;
    startSse(res, { 'x-request-id': ctx.requestId, ...headersOf(reply) });
    const restore = pii.restorer?.stream();
    const wantsUsage = body.stream_options?.include_usage === true;
    try {
      for (let next: IteratorResult<Completion> = first; !next.done && !signal.aborted; next = await iterator.next()) {
        const chunk = next.value;
        if (chunk.usage) ctx.usage = chunk.usage;
        for (const c of chunk.choices) {
          if (restore) c.text = restore.push(c.text) + (c.finish_reason ? restore.flush() : '');
          if (c.finish_reason) ctx.finishReason = c.finish_reason;
        }
        if (chunk.usage && !wantsUsage && chunk.choices.length === 0) continue;
        writeSseData(res, chunk);
      }
      ctx.upstreamMs = now() - started;
      endSse(res, !signal.aborted);
      deps.events.emit(signal.aborted ? errorEvent(ctx, new GatewayError('client_closed_request', 'The client closed the stream before it finished.')) : responseEvent(ctx));
    } catch (err) {
      const gerr = toUpstreamGatewayError(err);
      deps.events.emit(errorEvent(ctx, gerr));
      if (!res.writableEnded) {
        writeSseData(res, openAiErrorBody(gerr));
        endSse(res, false);
      }
    } finally {
      if (signal.aborted) await iterator.return?.().catch(() => undefined);
    }
  });
}
