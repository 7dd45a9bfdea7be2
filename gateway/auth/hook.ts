// Fastify wiring of the auth stage: an onRequest hook on the proxy routes that authenticates the caller, puts the
// Principal on the request and fills RequestTrace's keyId/teamId/userId (so every event carries them).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Auth } from './authenticate.ts';
import type { Principal } from './principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller: set by the auth hook on proxy routes and by the admin check on admin routes; null elsewhere. */
    principal: Principal | null;
  }
}

/**
 * Guards every route of `app`'s context (the /v1 plugin; the admin plugin has its own check). Register AFTER the
 * hook that creates `request.trace`: hooks run in order. Errors (401) go through the context's error handler.
 */
export function registerAuth(app: FastifyInstance, auth: Auth): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const principal = await auth.authenticate(request);
    request.principal = principal;
    const trace = (request as { trace?: { keyId: string; teamId: string; userId: string } }).trace;
    if (trace) {
      trace.keyId = principal.keyId;
      trace.teamId = principal.teamId;
      trace.userId = principal.userId;
    }
  });
}
