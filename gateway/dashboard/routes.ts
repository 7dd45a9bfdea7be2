// The dashboard under /ui/ on the gateway's own port: the built single-page app, sign-in and sign-out
// (/ui/api/session) and the named analytics queries (/ui/api/query/:name). Everything else the UI shows comes from the
// admin API (/key/*, /team/*, /spend/*), which accepts the session cookie through the same admin check.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '../auth/authenticate.ts';
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import { GatewayError } from '../errors.ts';
import type { AdminCheck } from './admin-check.ts';
import { isQueryName, isRangeId, queryFilter, runNamedQuery } from './queries.ts';
import { SESSION_COOKIE, SESSION_TTL_SECONDS, type DashboardSessions } from './sessions.ts';
import { loadUiFiles } from './static-files.ts';
import { secretMatcher } from '../../lib/secret-matcher.ts';

export interface DashboardUiOptions {
  auth: Auth;
  sessions: DashboardSessions;
  admin: AdminCheck;
  analytics?: AnalyticsReader | undefined;
  /** helix_settings.dashboard.refresh_interval, seconds. */
  refreshInterval: number;
  /** Without a master key: the local key of `npm start` (lib/local-sql-key.ts), which then signs in instead. */
  localKey?: string | undefined;
  /** helix_settings.log_prompts: whether query answers may carry prompts. */
  logPrompts?: boolean;
}

/** Longest credential accepted at sign-in (a master key or a JWT). */
const KEY_MAX = 8_192;
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};
const LOCAL_KEY_HINT =
  'No master key is set: sign in with the local key that `npm start` keeps in the data directory (`cat .data/local-sql-key`), or start Helix with HELIX_MASTER_KEY.';
const NOT_BUILT = 'The dashboard has not been built: run `npm run build:ui` (npm start, npm test and npm run build do it).';

function sessionCookie(request: FastifyRequest, token: string, maxAge: number): string {
  // Secure when the browser reached us over TLS (directly or through a proxy that says so).
  const secure = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

/** Signs in with the master key or an admin JWT (the gateway's one admin check), or, without a master key, the local key. */
async function checkSignIn(opts: DashboardUiOptions, key: string): Promise<void> {
  if (opts.localKey !== undefined && secretMatcher(opts.localKey)(key)) return;
  try {
    await opts.auth.authenticateAdmin({ headers: { authorization: `Bearer ${key}` } });
  } catch (err) {
    // A virtual key stays a 403; any other refusal names the key that works here.
    if (opts.localKey !== undefined && err instanceof GatewayError && err.status === 401) throw new GatewayError('invalid_api_key', LOCAL_KEY_HINT);
    throw err;
  }
}

function sessionRoutes(app: FastifyInstance, opts: DashboardUiOptions): void {
  const sessionBody = { refresh_interval: opts.refreshInterval };
  const signInWith = opts.localKey !== undefined ? 'local_key' : 'master_key';
  app.post<{ Body: { key: string } }>(
    '/ui/api/session',
    { schema: { body: { type: 'object', required: ['key'], additionalProperties: false, properties: { key: { type: 'string', minLength: 1, maxLength: KEY_MAX } } } } },
    async (request, reply) => {
      // The gateway's one admin check decides: the master key (or an admin JWT) gets in, a virtual key is a 403.
      await checkSignIn(opts, request.body.key);
      const session = await opts.sessions.create();
      return reply.header('set-cookie', sessionCookie(request, session.token, SESSION_TTL_SECONDS)).send({ signed_in: true, ...sessionBody, csrf: session.csrf });
    },
  );
  // Asked on every page load: "not signed in" is an answer here, not an error.
  app.get('/ui/api/session', async (request) => {
    const csrf = await opts.sessions.csrfOf(request.headers);
    return csrf === undefined ? { signed_in: false, sign_in_with: signInWith } : { signed_in: true, ...sessionBody, csrf };
  });
  app.delete('/ui/api/session', { onRequest: adminHook(opts.admin) }, async (request, reply) => {
    await opts.sessions.destroy(request.headers);
    return reply.header('set-cookie', sessionCookie(request, '', 0)).send({ signed_out: true });
  });
}

const adminHook = (admin: AdminCheck) => async (request: FastifyRequest) => {
  await admin(request);
};

function queryRoutes(app: FastifyInstance, opts: DashboardUiOptions): void {
  app.get<{ Params: { name: string }; Querystring: { range?: unknown; q?: unknown; page?: unknown } }>('/ui/api/query/:name', { onRequest: adminHook(opts.admin) }, async (request) => {
    const { name } = request.params;
    const range = request.query.range ?? '24h';
    if (!isQueryName(name)) throw new GatewayError('not_found', 'No such dashboard query.');
    if (!isRangeId(range)) throw new GatewayError('invalid_request', 'range must be one of 1h, 6h, 24h, 7d, 30d.', { param: 'range' });
    const filter = queryFilter(request.query);
    if (!opts.analytics) throw new GatewayError('service_unavailable', 'The gateway has no analytics reader.');
    try {
      return { data: await runNamedQuery(opts.analytics, name, range, filter, { logPrompts: opts.logPrompts ?? false }) };
    } catch (err) {
      throw new GatewayError('service_unavailable', `Analytics cannot be read right now: ${(err as Error).message.slice(0, 300)}`, { retryAfterSeconds: 1 });
    }
  });
}

function staticRoutes(app: FastifyInstance): void {
  const files = loadUiFiles();
  const send = (reply: FastifyReply, name: string) => {
    const file = files.get(name);
    if (!file) return name === 'index.html' ? reply.status(503).type('text/plain; charset=utf-8').send(NOT_BUILT) : reply.callNotFound();
    return reply.headers(SECURITY_HEADERS).type(file.type).send(file.body);
  };
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui/', async (_request, reply) => send(reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/ui/:file', async (request, reply) => send(reply, request.params.file));
}

export const dashboardUi: FastifyPluginAsync<DashboardUiOptions> = async (app, opts) => {
  sessionRoutes(app, opts);
  queryRoutes(app, opts);
  staticRoutes(app);
};
