// Dashboard sessions: signing in with an admin credential gives the browser a random token in an HttpOnly,
// SameSite=Strict cookie; Redis keeps only the token's SHA-256 (with the session's CSRF token) under a TTL, so every
// gateway sharing the Redis accepts the session and a Redis dump holds nothing that signs anyone in.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RedisClient as Redis } from '../../lib/redis.ts';
import { GatewayError } from '../errors.ts';
import { secretMatcher } from '../../lib/secret-matcher.ts';
import { raceDeadline } from '../../lib/deadline.ts';

export const SESSION_COOKIE = 'helix_ui_session';
/** The header every write made with the session cookie must carry (the value comes from the session's JSON). */
export const CSRF_HEADER = 'x-helix-csrf';
/** How long a session lives after sign-in; the browser then signs in again. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
/** A cookie value longer than this is not one of ours (tokens are 43 characters). */
const TOKEN_MAX = 128;
const REDIS_TIMEOUT_MS = 1_000;

export interface NewSession {
  token: string;
  csrf: string;
}

export interface DashboardSessions {
  create(): Promise<NewSession>;
  /** The session's CSRF token, or undefined when the request carries no live session. */
  csrfOf(headers: IncomingHttpHeaders): Promise<string | undefined>;
  /** Ends the request's session (nothing when it has none). */
  destroy(headers: IncomingHttpHeaders): Promise<void>;
  /** Whether the request carries a session cookie at all (live or not). */
  hasCookie(headers: IncomingHttpHeaders): boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

/** The value of one cookie in a Cookie header; the first when repeated. */
export function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether a write's CSRF header matches the session's token (constant-time). */
export function csrfMatches(headers: IncomingHttpHeaders, csrf: string): boolean {
  const given = headers[CSRF_HEADER];
  return typeof given === 'string' && secretMatcher(csrf)(given);
}

/** Redis down or slow is a 503 the UI can retry, never a 401 that throws the user out. */
async function withRedis<T>(what: Promise<T>): Promise<T> {
  const unavailable = () => new GatewayError('service_unavailable', 'Dashboard sessions cannot be checked right now (Redis unavailable). Please retry shortly.', { retryAfterSeconds: 1 });
  return raceDeadline(what, REDIS_TIMEOUT_MS, unavailable).catch((err: unknown) => {
    throw err instanceof GatewayError ? err : unavailable();
  });
}

export function createDashboardSessions(redis: Redis, prefix: string): DashboardSessions {
  const redisKey = (token: string) => `${prefix}ui:session:${sha256(token)}`;
  const tokenOf = (headers: IncomingHttpHeaders) => {
    const token = cookieValue(headers, SESSION_COOKIE);
    return token && token.length <= TOKEN_MAX ? token : undefined;
  };
  return {
    async create() {
      const session = { token: newToken(), csrf: newToken() };
      await withRedis(redis.set(redisKey(session.token), session.csrf, 'EX', SESSION_TTL_SECONDS));
      return session;
    },
    async csrfOf(headers) {
      const token = tokenOf(headers);
      if (!token) return undefined;
      return (await withRedis(redis.get(redisKey(token)))) ?? undefined;
    },
    async destroy(headers) {
      const token = tokenOf(headers);
      if (token) await withRedis(redis.del(redisKey(token)));
    },
    hasCookie: (headers) => cookieValue(headers, SESSION_COOKIE) !== undefined,
  };
}
