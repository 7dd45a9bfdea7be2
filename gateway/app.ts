// Builds the gateway's fastify instance from its dependencies. main.ts listens; tests call buildApp directly.
// Three encapsulated parts: the /v1 proxy API (routes/v1.ts: its own auth, limits and error handling around the
// request pipeline), the admin API (routes/admin.ts: one admin check), and health + metrics at the root.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { GatewayError, openAiErrorBody, toGatewayError } from './errors.ts';
import { logger } from '../lib/logger.ts';
import { Router } from './routing/router.ts';
import { deploymentsFrom } from '../core/deployments.ts';
import { healthRoutes } from './routes/health.ts';
import { adminApi } from './routes/admin.ts';
import { v1Api } from './routes/v1.ts';
import type { HelixConfig } from '../lib/config.ts';
import type { GatewayDeps } from './deps.ts';
import { refuseDeepBodies } from './routes/body-depth.ts';
import { refuseOversizedBodies } from './routes/body-size.ts';
import { dashboardMount } from './dashboard/mount.ts';
import { dashboardUi } from './dashboard/routes.ts';

export function createRouter(config: HelixConfig): Router {
  return new Router(deploymentsFrom(config.model_list), config.router_settings);
}

/** Longest path echoed back in a 404 (the rest of an unknown URL is the client's own business). */
const ECHOED_PATH_MAX = 200;

/** A client's x-request-id is kept when it is a plausible id; anything else gets a fresh one (it goes into every event). */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const bodyLimit = Math.floor(deps.config.general_settings.max_request_size_mb * 1024 * 1024);
  const app = Fastify({
    logger: false,
    bodyLimit,
    requestIdHeader: false,
    genReqId: requestId,
    // Validation errors name the offending field, OpenAI-style.
    schemaErrorFormatter: (errors, dataVar) => {
      const e = errors[0];
      const field = e ? `${dataVar}${e.instancePath.replace(/\/(\d+)/g, '[$1]').replaceAll('/', '.')}`.replace(/^body\.?/, '') : '';
      const err = new GatewayError('invalid_request', `Invalid request: ${field || 'body'} ${e?.message ?? 'is invalid'}${e?.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as string[]).join(', ')})` : ''}`, { param: field || null });
      return err;
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
    // Errors fastify raises before a route is chosen (an unparsable URL, a path segment over the length limit):
    // OpenAI's shape, and never an echo of the URL.
    frameworkErrors: (error, _request, reply) => {
      const gerr = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new GatewayError('uri_too_long', 'A path segment of the URL is too long.') : new GatewayError('invalid_request', 'The URL could not be read.');
      void (reply as unknown as FastifyReply).status(gerr.status).send(openAiErrorBody(gerr));
    },
  });
  // Every route, before validation: nothing downstream walks a body nested deeper than a stack can take.
  app.addHook('preParsing', refuseOversizedBodies(bodyLimit));
  app.addHook('preValidation', refuseDeepBodies);

  // Health, metrics and the admin API: OpenAI-shaped errors, no request events.
  app.setErrorHandler(async (error, request, reply) => {
    const gerr = toGatewayError(error);
    if (gerr.code === 'internal_error') logger.error({ err: error, requestId: request.id }, 'unhandled gateway error');
    if (gerr.extra.retryAfterSeconds !== undefined) void reply.header('retry-after', String(gerr.extra.retryAfterSeconds));
    return reply.status(gerr.status).header('x-request-id', String(request.id)).send(openAiErrorBody(gerr));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const shown = path.length > ECHOED_PATH_MAX ? `${path.slice(0, ECHOED_PATH_MAX)}…` : path;
    const gerr = new GatewayError('not_found', `Unknown route: ${request.method} ${shown}`);
    return reply.status(gerr.status).send(openAiErrorBody(gerr));
  });

  healthRoutes(app, deps.health);
  if (deps.metrics) {
    const registry = deps.metrics.registry;
    app.get('/metrics', async (_request, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  }
  await app.register(v1Api, deps);
  const dashboard = dashboardMount(deps);
  await app.register(adminApi, { ...deps, adminCheck: dashboard?.admin });
  if (dashboard) await app.register(dashboardUi, dashboard.options);
  return app;
}
