// POST /v1/embeddings
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { GatewayDeps } from '../app.ts';
import { GatewayError } from '../errors.ts';
import { now } from '../pipeline/context.ts';
import { abortOnClientGone } from '../pipeline/abort.ts';
import { policyForCaller, protectRequest } from '../pipeline/pii-stage.ts';
import { requestEvent, responseEvent } from '../pipeline/events.ts';
import type { EmbeddingRequest } from '../providers/types.ts';

const EmbeddingBody = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    input: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 }), Type.Array(Type.Integer(), { minItems: 1 }), Type.Array(Type.Array(Type.Integer()), { minItems: 1 })]),
  },
  { additionalProperties: true },
);

export function embeddingsRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/embeddings', { schema: { body: EmbeddingBody } }, async (request, reply) => {
    const ctx = request.helix;
    const body = request.body as EmbeddingRequest;
    ctx.model = body.model;
    deps.router.deploymentsFor(body.model);
    const texts = (Array.isArray(body.input) ? body.input : [body.input]).filter((t): t is string => typeof t === 'string');
    deps.events.emit(requestEvent(ctx, texts.map((t) => ({ role: 'user', content: t })), deps.config.helix_settings.log_prompts));
    ctx.requestEmitted = true;
    const pii = protectRequest('openai.embeddings', body, policyForCaller(deps.config.helix_settings.pii_protection, request.principal?.metadata?.pii_protection), ctx, deps.events);
    const started = now();
    const result = await deps.router.call(
      ctx,
      body.model,
      (adapter, cc) => {
        if (!adapter.embeddings) throw new GatewayError('invalid_request', `Provider ${adapter.name} does not support embeddings.`, { param: 'model' });
        return adapter.embeddings({ ...pii.body, model: cc.deployment.upstreamModel }, cc);
      },
      abortOnClientGone(reply),
    );
    ctx.upstreamMs = ctx.upstreamTtfbMs = now() - started;
    ctx.usage = { prompt_tokens: result.usage.prompt_tokens, completion_tokens: 0, total_tokens: result.usage.total_tokens };
    deps.events.emit(responseEvent(ctx));
    return reply.header('x-request-id', ctx.requestId).send(result);
  });
}
