// The auth stage: who is calling? Master key → admin; virtual key → looked up by hash (key-lookup.ts); JWT
// (optional) → claims. Never answers 5xx: when Redis is unreachable, keys verified before stay valid from the cache
// (last-known-good) and unknown keys get 401. `authenticateAdmin` is the gateway's one admin check.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.ts';
import { secretMatcher } from '../../lib/secret-matcher.ts';
import { authSettings, type AuthSettingsInput } from '../../schemas/config/auth.ts';
import { createEnforcement } from './enforcement.ts';
import { extractApiKey } from './extract-api-key.ts';
import { createJwtVerifier, looksLikeJwt, type JwtVerifier } from './jwt.ts';
import { createKeyLookup } from './key-lookup.ts';
import { isExpired } from '../../core/keys/key-record.ts';
import type { KeyStore } from '../../core/keys/key-store.ts';
import { ANONYMOUS, MASTER, principalFromJwt, principalFromRecord, type Principal } from './principal.ts';
import { hashKey, keyDisplayName } from '../../core/keys/secrets.ts';

export interface AuthDeps {
  /** config.env.masterKey (HELIX_MASTER_KEY or general_settings.master_key). */
  masterKey?: string | undefined;
  /** Virtual key store; without it only the master key (and JWT) authenticate. */
  store?: KeyStore | undefined;
  /** helix_settings.auth (defaults filled in when omitted). */
  settings?: AuthSettingsInput;
  now?: () => number;
  /** Subscribe to the store's invalidation channel so changes on other gateways drop cached keys at once (default true). */
  subscribe?: boolean;
}

export interface Auth {
  /** Resolves the caller of a request or throws GatewayError 401 (invalid_api_key). */
  authenticate(request: { headers: IncomingHttpHeaders }): Promise<Principal>;
  /** Like authenticate, but only admins pass: 401 (invalid_api_key) without valid credentials, 403 (forbidden) for non-admin callers. */
  authenticateAdmin(request: { headers: IncomingHttpHeaders }): Promise<Principal>;
  /** Whether requests need credentials right now (see helix_settings.auth.mode). */
  isEnforced(): Promise<boolean>;
  /** Drops a key from this process's cache (all keys when no hash is given). */
  invalidate(hash?: string): void;
  /** Tell the stage a virtual key now exists (auth `auto` mode switches on without waiting for the next count). */
  noteKeyCreated(): void;
  /** Drops the cache; does not close the store (its owner does). */
  close(): Promise<void>;
}

const invalidKey = (message: string) => new GatewayError('invalid_api_key', message);
const MISSING =
  "You didn't provide an API key. Provide it as 'Authorization: Bearer YOUR_KEY' (or the x-api-key header).";
const ADMIN_DISABLED = 'The admin API is disabled: set HELIX_MASTER_KEY (or general_settings.master_key)';

export function createAuth(deps: AuthDeps): Auth {
  const settings = authSettings(deps.settings ?? {});
  const now = deps.now ?? Date.now;
  const store = deps.store;
  const masterKey = deps.masterKey || undefined;
  const isMasterKey = secretMatcher(masterKey);
  const jwt: JwtVerifier | undefined = settings.jwt.enabled ? createJwtVerifier(settings.jwt) : undefined;
  const enforcement = createEnforcement({ masterKey, settings, store, now });
  const keys = createKeyLookup({ store, settings, now, onFound: () => enforcement.noteKeyExists() });

  if (store && deps.subscribe !== false) void store.subscribe((hash) => keys.forget(hash)).catch(() => undefined);

  async function authenticate(request: { headers: IncomingHttpHeaders }): Promise<Principal> {
    const token = extractApiKey(request.headers);
    if (token === undefined) {
      if (await enforcement.isEnforced()) throw invalidKey(MISSING);
      return ANONYMOUS;
    }
    if (isMasterKey(token)) return MASTER;
    if (jwt && looksLikeJwt(token)) {
      try {
        return principalFromJwt(await jwt.verify(token), settings.jwt);
      } catch (err) {
        throw invalidKey(`Invalid JWT: ${(err as Error).message}`);
      }
    }
    const record = await keys.find(hashKey(token));
    if (record === 'unavailable' || record === undefined) {
      if (!(await enforcement.isEnforced())) return ANONYMOUS;
      // A key the store could not be asked about is not a wrong key: the client retries instead of discarding it.
      if (record === 'unavailable') throw new GatewayError('service_unavailable', 'API keys cannot be checked right now (key store unavailable). Please retry shortly.', { retryAfterSeconds: 1 });
      throw invalidKey(`Incorrect API key provided: ${keyDisplayName(token)}.`);
    }
    if (record.blocked) throw invalidKey(`The API key ${record.key_alias || record.key_id} is blocked.`);
    if (isExpired(record, now())) throw invalidKey(`The API key ${record.key_alias || record.key_id} expired at ${record.expires}.`);
    return principalFromRecord(record);
  }

  return {
    authenticate,
    async authenticateAdmin(request) {
      const token = extractApiKey(request.headers);
      if (token === undefined) throw invalidKey(masterKey ? MISSING : `${ADMIN_DISABLED} and use it as the API key.`);
      const principal = await authenticate(request);
      if (principal.admin) return principal;
      if (principal.kind === 'anonymous') throw invalidKey(masterKey ? `Incorrect API key provided: ${keyDisplayName(token)}.` : `${ADMIN_DISABLED}.`);
      throw new GatewayError('forbidden', 'This endpoint needs the master key (admin); the API key provided is not an admin key.');
    },
    isEnforced: () => enforcement.isEnforced(),
    invalidate: (hash) => keys.forget(hash),
    noteKeyCreated: () => enforcement.noteKeyExists(),
    async close() {
      keys.forget(); // the store is closed by its owner
    },
  };
}
