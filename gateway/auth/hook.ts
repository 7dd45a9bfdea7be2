// Fastify wiring of the auth stage: an onRequest hook on the proxy routes that authenticates the caller, puts the
// Principal on the request and fills RequestContext's keyId/teamId/userId (so every event carries them).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Auth, Principal } from './authenticate.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on proxy routes; null elsewhere. */
    principal: Principal | null;
  }
}

export interface AuthHookOptions {
  /** Path prefixes that need a caller (default: the proxy API under /v1/). Admin routes authenticate themselves. */
  prefixes?: string[];
}

/**
 * Register AFTER the hook that creates `request.helix` (buildApp's first onRequest hook): hooks run in order.
 * Errors (401) go through the app's error handler like any other GatewayError.
 */
export function registerAuth(app: FastifyInstance, auth: Auth, opts: AuthHookOptions = {}): void {
  const prefixes = opts.prefixes ?? ['/v1/'];
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const path = request.routeOptions.url ?? request.url;
    if (!prefixes.some((p) => path.startsWith(p))) return;
    const principal = await auth.authenticate(request);
    request.principal = principal;
    const ctx = (request as { helix?: { keyId: string; teamId: string; userId: string } }).helix;
    if (ctx) {
      ctx.keyId = principal.keyId;
      ctx.teamId = principal.teamId;
      ctx.userId = principal.userId;
    }
  });
}
