// Optional JWT auth: a Bearer token that is a JWT is verified against the identity provider's JWKS (jose fetches
// and caches the keys, re-fetching on an unknown `kid`), and its claims become the caller's user/team/models.
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { JwtAuthSettings } from '../../schemas/config/auth.ts';

export interface JwtIdentity {
  subject: string;
  userId: string;
  teamId: string;
  models: string[];
  admin: boolean;
  expiresAt: string | undefined;
  claims: JWTPayload;
}

/** Three base64url parts and a JSON header (`eyJ` = base64url of `{"`). */
export const looksLikeJwt = (token: string): boolean => token.startsWith('eyJ') && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/** Reads a claim by name or dot path (`realm_access.team`). */
export function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.length > 0) return asString(value[0]);
  return '';
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(asString).filter(Boolean);
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

export interface JwtVerifier {
  verify(token: string): Promise<JwtIdentity>;
}

/** Throws on any invalid token (bad signature, wrong issuer/audience, expired, JWKS unreachable). */
export function createJwtVerifier(settings: JwtAuthSettings): JwtVerifier {
  if (!settings.jwks_url) throw new Error('helix_settings.auth.jwt.jwks_url is required when JWT auth is enabled');
  const jwks = createRemoteJWKSet(new URL(settings.jwks_url), { timeoutDuration: 3_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, jwks, {
        algorithms: settings.algorithms,
        clockTolerance: settings.clock_tolerance_seconds,
        ...(settings.issuer ? { issuer: settings.issuer } : {}),
        ...(settings.audience ? { audience: settings.audience } : {}),
      });
      const userId = asString(claimAt(payload, settings.user_id_claim)) || asString(payload.sub);
      const scopes = [...asList(payload.scope), ...asList(payload.scp)];
      return {
        subject: asString(payload.sub),
        userId,
        teamId: asString(claimAt(payload, settings.team_id_claim)),
        models: settings.models_claim ? asList(claimAt(payload, settings.models_claim)) : [],
        admin: settings.admin_scope !== undefined && scopes.includes(settings.admin_scope),
        expiresAt: typeof payload.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : undefined,
        claims: payload,
      };
    },
  };
}
