// Builds the gateway's fastify instance from its dependencies. main.ts listens; tests call buildApp directly.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { HelixConfig } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';
import { GatewayError, anthropicErrorBody, openAiErrorBody, toGatewayError } from './errors.ts';
import { newContext, type RequestContext } from './pipeline/context.ts';
import { errorEvent, requestEvent, type EventSink } from './pipeline/events.ts';
import { Router } from './routing/router.ts';
import { deploymentsFrom } from './providers/registry.ts';
import { chatCompletionsRoutes } from './routes/chat-completions.ts';
import { healthRoutes, type HealthProbe } from './routes/health.ts';
import { modelsRoutes } from './routes/models.ts';
import { messagesRoutes } from './routes/messages.ts';
import { completionsRoutes } from './routes/completions.ts';
import { embeddingsRoutes } from './routes/embeddings.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { Auth } from './auth/authenticate.ts';
import type { KeyStore } from './auth/key-store.ts';
import type { Limits } from './limits/rate-limits.ts';
import { registerAuth } from './auth/hook.ts';
import { registerLimits } from './limits/hook.ts';
import { keysRoutes } from './routes/keys.ts';
import { optimizerRoutes } from './routes/optimizer.ts';
import type { CostControl } from './budgets/cost-control.ts';
import type { TopicId } from '../schemas/topics.ts';
import type { ChatCache } from './cache/index.ts';
import { cacheAdminRoutes } from './cache/admin.ts';

declare module 'fastify' {
  interface FastifyRequest {
    helix: RequestContext;
  }
}

export interface GatewayDeps {
  config: HelixConfig;
  events: EventSink;
  router: Router;
  health: HealthProbe;
  metrics?: GatewayMetrics;
  auth?: Auth;
  limits?: Limits;
  keyStore?: KeyStore;
  /** Fire-and-forget publishing of non-request events (audit). */
  publish?: (topic: TopicId, key: string, value: unknown) => void;
  /** Prices, budgets, model optimizer (gateway/budgets/cost-control.ts). */
  costControl?: CostControl;
  cache?: ChatCache;
  redis?: Redis;
}

export function createRouter(config: HelixConfig): Router {
  return new Router(deploymentsFrom(config.model_list), config.router_settings);
}

export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: Math.floor(deps.config.general_settings.max_request_size_mb * 1024 * 1024),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Validation errors name the offending field, OpenAI-style.
    schemaErrorFormatter: (errors, dataVar) => {
      const e = errors[0];
      const field = e ? `${dataVar}${e.instancePath.replace(/\/(\d+)/g, '[$1]').replaceAll('/', '.')}`.replace(/^body\.?/, '') : '';
      const err = new GatewayError('invalid_request', `Invalid request: ${field || 'body'} ${e?.message ?? 'is invalid'}${e?.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as string[]).join(', ')})` : ''}`, { param: field || null });
      return err;
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
  });

  app.decorateRequest('helix', null as unknown as RequestContext);
  // Callback style, not async: nothing to wait for here, and an async hook costs a promise and a microtask turn.
  app.addHook('onRequest', (request, _reply, done) => {
    request.helix = newContext(request.routeOptions.url ?? request.url, String(request.id));
    done();
  });

  if (deps.auth) registerAuth(app, deps.auth);
  if (deps.limits) registerLimits(app, deps.limits);

  app.setErrorHandler(async (error, request, reply) => {
    const gerr = toGatewayError(error);
    if (gerr.code === 'internal_error') logger.error({ err: error, requestId: request.id }, 'unhandled gateway error');
    const ctx = request.helix;
    if (ctx && ctx.endpoint.startsWith('/v1/')) {
      if (!ctx.requestEmitted) deps.events.emit(requestEvent(ctx, [], false));
      deps.events.emit(errorEvent(ctx, gerr));
    }
    if (gerr.extra.retryAfterSeconds !== undefined) void reply.header('retry-after', String(gerr.extra.retryAfterSeconds));
    for (const [k, v] of Object.entries(gerr.extra.headers ?? {})) void reply.header(k, v);
    const body = request.url.startsWith('/v1/messages') ? anthropicErrorBody(gerr) : openAiErrorBody(gerr);
    return reply.status(gerr.status).header('x-request-id', String(request.id)).send(body);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const err = new GatewayError('not_found', `Unknown route: ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(openAiErrorBody(err));
  });

  healthRoutes(app, deps.health);
  if (deps.metrics) {
    const registry = deps.metrics.registry;
    app.get('/metrics', async (_request, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  }
  chatCompletionsRoutes(app, deps);
  messagesRoutes(app, deps);
  completionsRoutes(app, deps);
  embeddingsRoutes(app, deps);
  modelsRoutes(app, deps);
  if (deps.cache && deps.auth && deps.redis) {
    const auth = deps.auth;
    const cache = deps.cache;
    cacheAdminRoutes(app, { redis: deps.redis, settings: cache.settings, requireAdmin: (headers) => auth.authenticateAdmin({ headers }), flushStats: () => cache.flushStats() });
  }
  if (deps.costControl) optimizerRoutes(app, { ...deps, costControl: deps.costControl });
  if (deps.auth && deps.keyStore) keysRoutes(app, { store: deps.keyStore, auth: deps.auth, publish: deps.publish ?? (() => undefined) });
  return app;
}
