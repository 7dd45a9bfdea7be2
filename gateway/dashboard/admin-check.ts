// The admin check with dashboard sessions: a request that carries an API key goes through the gateway's one admin
// check (auth.authenticateAdmin) as before; one that carries none but a live dashboard session cookie is the admin
// who signed in with it. Writes made with the cookie must also send the session's CSRF token in a header, so another
// site cannot drive the admin API through the browser (SameSite=Strict already keeps the cookie off its requests).
import type { IncomingHttpHeaders } from 'node:http';
import type { Auth } from '../auth/authenticate.ts';
import { extractApiKey } from '../auth/extract-api-key.ts';
import { MASTER, type Principal } from '../auth/principal.ts';
import { GatewayError } from '../errors.ts';
import { CSRF_HEADER, csrfMatches, type DashboardSessions } from './sessions.ts';

export type AdminCheck = (request: { method: string; headers: IncomingHttpHeaders }) => Promise<Principal>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function adminCheckWithSessions(auth: Auth, sessions: DashboardSessions | undefined): AdminCheck {
  return async (request) => {
    if (!sessions || extractApiKey(request.headers) !== undefined || !sessions.hasCookie(request.headers)) return auth.authenticateAdmin(request);
    const csrf = await sessions.csrfOf(request.headers);
    if (csrf === undefined) throw new GatewayError('invalid_api_key', 'Your dashboard session has ended: sign in again.');
    if (!SAFE_METHODS.has(request.method) && !csrfMatches(request.headers, csrf)) {
      throw new GatewayError('forbidden', `A change made with a dashboard session needs its CSRF token in the ${CSRF_HEADER} header.`);
    }
    return MASTER;
  };
}
