// The /v1 proxy API as one encapsulated fastify plugin: its hooks (request context → auth → model permission and
// rate limits) and its error handler apply to these routes only. Each proxy route is a Wire run by proxyRoute.
import type { FastifyInstance } from 'fastify';
import type { GatewayDeps } from '../deps.ts';
import { registerAuth } from '../auth/hook.ts';
import { anthropicErrorBody, openAiErrorBody, toGatewayError } from '../errors.ts';
import { registerLimits } from '../limits/hook.ts';
import { registerGovernance } from '../governance/hook.ts';
import { finishRequest } from '../pipeline/conclude.ts';
import { newTrace, type RequestTrace } from '../pipeline/trace.ts';
import { logger } from '../../lib/logger.ts';
import { chatCompletionsWire } from './chat-completions.ts';
import { completionsWire } from './completions.ts';
import { embeddingsWire } from './embeddings.ts';
import { countTokensRoute } from './count-tokens.ts';
import { messagesRoute } from './messages.ts';
import { modelsRoutes } from './models.ts';
import { PROXY_PATHS } from './proxy-paths.ts';
import { proxyRoute } from './proxy-route.ts';
import { responsesApi } from './responses.ts';
import { storedResponsesApi } from './stored-responses.ts';

declare module 'fastify' {
  interface FastifyRequest {
    trace: RequestTrace;
  }
}

export async function v1Api(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  app.decorateRequest('trace', null as unknown as RequestTrace);
  // Callback style, not async: nothing to wait for here, and an async hook costs a promise and a microtask turn.
  app.addHook('onRequest', (request, _reply, done) => {
    request.trace = newTrace(request.routeOptions.url ?? 'unknown', String(request.id));
    done();
  });
  if (deps.auth) registerAuth(app, deps.auth);
  registerGovernance(app, deps.governance);
  if (deps.limits) registerLimits(app, deps.limits);

  // Failures before the pipeline ran (auth, limits, validation, unreadable JSON) end the request here; the pipeline
  // ended its own already. Either way the error is rendered in the route's wire format.
  app.setErrorHandler(async (error, request, reply) => {
    const gerr = toGatewayError(error);
    if (gerr.code === 'internal_error') logger.error({ err: error, requestId: request.id }, 'unhandled gateway error');
    if (request.trace) finishRequest(deps.events, request.trace, gerr);
    if (gerr.extra.retryAfterSeconds !== undefined) void reply.header('retry-after', String(gerr.extra.retryAfterSeconds));
    for (const [k, v] of Object.entries(gerr.extra.headers ?? {})) void reply.header(k, v);
    const body = request.routeOptions.config.errorShape === 'anthropic' ? anthropicErrorBody(gerr) : openAiErrorBody(gerr);
    return reply.status(gerr.status).header('x-request-id', String(request.id)).send(body);
  });

  proxyRoute(app, PROXY_PATHS.chatCompletions, deps, chatCompletionsWire);
  messagesRoute(app, deps);
  countTokensRoute(app, deps);
  proxyRoute(app, PROXY_PATHS.completions, deps, completionsWire);
  proxyRoute(app, PROXY_PATHS.embeddings, deps, embeddingsWire);
  await app.register(responsesApi, deps);
  await app.register(storedResponsesApi, deps);
  modelsRoutes(app, deps);
}
