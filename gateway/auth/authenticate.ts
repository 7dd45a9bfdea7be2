// The auth stage: who is calling? Master key → admin; virtual key → looked up by hash (in-memory cache first, then
// Redis); JWT (optional) → claims. Never answers 5xx: when Redis is unreachable, keys verified before stay valid from
// the cache (last-known-good) and unknown keys get 401.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.ts';
import { logger } from '../../lib/logger.ts';
import { secretMatcher } from '../../lib/secret-matcher.ts';
import { authSettings, type AuthSettingsInput } from '../../schemas/config/auth.ts';
import { KeyCache } from './key-cache.ts';
import { isExpired, type KeyRecord, type KeyStore } from './key-store.ts';
import { createJwtVerifier, looksLikeJwt, type JwtVerifier } from './jwt.ts';
import { hashKey, keyDisplayName } from './secrets.ts';

export type PrincipalKind = 'master' | 'virtual' | 'jwt' | 'anonymous';

/** The authenticated caller. `keyId`/`teamId`/`userId` go into RequestTrace and every event. */
export interface Principal {
  kind: PrincipalKind;
  /** May use the admin API (master key, or a JWT with the configured admin scope). */
  admin: boolean;
  /** Public id: `key_…` for virtual keys, `master`, `jwt:<user>`, '' for anonymous. Never the secret. */
  keyId: string;
  keyHash?: string;
  alias: string;
  userId: string;
  teamId: string;
  /** Allowed models; empty = all. */
  models: string[];
  rpmLimit?: number;
  tpmLimit?: number;
  maxBudget?: number;
  budgetDuration?: string;
  expires?: string;
  metadata: Record<string, unknown>;
}

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

const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous', admin: false, keyId: '', alias: '', userId: '', teamId: '', models: [], metadata: {} }) as Principal;
const MASTER: Principal = Object.freeze({ kind: 'master', admin: true, keyId: 'master', alias: 'master', userId: '', teamId: '', models: [], metadata: {} }) as Principal;

// Module-level, not a closure inside extractApiKey: tsx (esbuild keepNames) wraps every named closure in a
// defineProperty call, paid on each request otherwise.
const firstValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

/** The credential of a request: `Authorization: Bearer …`, then `x-api-key` (Anthropic clients), then `api-key` (Azure). */
export function extractApiKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = firstValue(headers.authorization);
  if (auth) {
    const m = /^bearer\s+(.+)$/i.exec(auth);
    if (m) return m[1]!.trim() || undefined;
    if (!/\s/.test(auth)) return auth; // a bare key
  }
  return firstValue(headers['x-api-key']) ?? firstValue(headers['api-key']);
}

/**
 * Whether every request needs credentials from the first one on (a master key, JWT auth or `mode: required`), not
 * only once a virtual key exists. Without this, Helix listens on loopback only (gateway/main.ts).
 */
export function credentialsAlwaysRequired(masterKey: string | undefined, settings: AuthSettingsInput = {}): boolean {
  return Boolean(masterKey) || settings.mode === 'required' || settings.jwt?.enabled === true;
}

export function principalFromRecord(r: KeyRecord): Principal {
  return {
    kind: 'virtual',
    admin: false,
    keyId: r.key_id,
    keyHash: r.key_hash,
    alias: r.key_alias ?? '',
    userId: r.user_id ?? '',
    teamId: r.team_id ?? '',
    models: r.models,
    ...(r.rpm_limit !== undefined ? { rpmLimit: r.rpm_limit } : {}),
    ...(r.tpm_limit !== undefined ? { tpmLimit: r.tpm_limit } : {}),
    ...(r.max_budget !== undefined ? { maxBudget: r.max_budget } : {}),
    ...(r.budget_duration !== undefined ? { budgetDuration: r.budget_duration } : {}),
    ...(r.expires !== undefined ? { expires: r.expires } : {}),
    metadata: r.metadata,
  };
}

/** Does the model pattern list allow `model`? Empty list, `*` and `all-proxy-models` allow all; `openai/*` is a prefix. */
export function modelAllowed(models: readonly string[], model: string): boolean {
  if (models.length === 0) return true;
  return models.some((m) => m === model || m === '*' || m === 'all-proxy-models' || (m.endsWith('*') && model.startsWith(m.slice(0, -1))));
}

/** 403 model_not_allowed unless the principal may use `model`. */
export function assertModelAllowed(principal: Pick<Principal, 'models' | 'alias' | 'keyId'>, model: string): void {
  if (modelAllowed(principal.models, model)) return;
  const who = principal.alias || principal.keyId || 'this key';
  throw new GatewayError('model_not_allowed', `The API key ${who} is not allowed to use model "${model}". Allowed models: ${principal.models.join(', ')}.`, {
    param: 'model',
  });
}

/** For GET /v1/models: only what the caller may use. */
export function filterAllowedModels<T extends string>(principal: Pick<Principal, 'models'>, models: readonly T[]): T[] {
  return models.filter((m) => modelAllowed(principal.models, m));
}

const invalidKey = (message: string) => new GatewayError('invalid_api_key', message);
const MISSING =
  "You didn't provide an API key. Provide it as 'Authorization: Bearer YOUR_KEY' (or the x-api-key header).";

export function createAuth(deps: AuthDeps): Auth {
  const settings = authSettings(deps.settings ?? {});
  const now = deps.now ?? Date.now;
  const store = deps.store;
  const masterKey = deps.masterKey || undefined;
  const isMasterKey = secretMatcher(masterKey);
  const cache = new KeyCache<KeyRecord>({
    ttlMs: settings.cache_ttl_seconds * 1000,
    staleMs: settings.cache_stale_seconds * 1000,
    maxEntries: settings.cache_max_entries,
    negativeTtlMs: settings.negative_cache_seconds * 1000,
    now,
  });
  const jwt: JwtVerifier | undefined = settings.jwt.enabled ? createJwtVerifier(settings.jwt) : undefined;
  const inflight = new Map<string, Promise<KeyRecord | undefined>>();
  /** After a failed Redis call, skip Redis briefly so a hung server does not add its timeout to every request. */
  let redisSkipUntil = 0;
  let lastOutageLog = 0;

  // `auto` mode: is there any virtual key? Counted in the background, at most every 10 s.
  let keyCount: number | undefined;
  let countedAt = 0;
  let counting: Promise<void> | undefined;
  const alwaysOn = credentialsAlwaysRequired(masterKey, settings);

  if (store && deps.subscribe !== false) void store.subscribe((hash) => cache.delete(hash)).catch(() => undefined);

  function noteOutage(err: unknown) {
    redisSkipUntil = now() + 1_000;
    if (now() - lastOutageLog > 30_000) {
      lastOutageLog = now();
      logger.warn({ err: (err as Error).message }, 'auth: key store unreachable; serving verified keys from the in-memory cache');
    }
  }

  function refreshCount(): Promise<void> {
    if (!store) return Promise.resolve();
    counting ??= store
      .count()
      .then(
        (n) => {
          keyCount = n;
        },
        () => undefined, // unknown: keep the last count
      )
      .finally(() => {
        countedAt = now();
        counting = undefined;
      });
    return counting;
  }

  async function isEnforced(): Promise<boolean> {
    if (alwaysOn) return true;
    if (!store) return false;
    if (keyCount === undefined && countedAt === 0) {
      await Promise.race([refreshCount(), new Promise((r) => setTimeout(r, settings.redis_timeout_ms))]);
    } else if (now() - countedAt > 10_000) {
      void refreshCount();
    }
    return (keyCount ?? 0) > 0;
  }

  /** The stored record for a hash: cache, then Redis; 'unavailable' when neither can answer. */
  async function lookup(hash: string): Promise<KeyRecord | undefined | 'unavailable'> {
    const hit = cache.get(hash);
    if (hit?.fresh) return hit.value;
    if (!hit && cache.isKnownMissing(hash)) return undefined;
    if (!store) return undefined;
    if (now() < redisSkipUntil) return hit ? hit.value : 'unavailable';
    let pending = inflight.get(hash);
    if (!pending) {
      pending = store.lookup(hash, settings.redis_timeout_ms).finally(() => inflight.delete(hash));
      inflight.set(hash, pending);
    }
    try {
      const record = await pending;
      if (record) {
        cache.set(hash, record);
        if (!keyCount) keyCount = 1;
      } else {
        cache.setMissing(hash);
      }
      return record;
    } catch (err) {
      noteOutage(err);
      return hit ? hit.value : 'unavailable'; // last-known-good
    }
  }

  async function authenticate(request: { headers: IncomingHttpHeaders }): Promise<Principal> {
    const token = extractApiKey(request.headers);
    if (token === undefined) {
      if (await isEnforced()) throw invalidKey(MISSING);
      return ANONYMOUS;
    }
    if (isMasterKey(token)) return MASTER;
    if (jwt && looksLikeJwt(token)) {
      try {
        const id = await jwt.verify(token);
        return {
          kind: 'jwt',
          admin: id.admin,
          keyId: `jwt:${id.userId || id.subject}`,
          alias: id.subject,
          userId: id.userId,
          teamId: id.teamId,
          models: id.models,
          ...(settings.jwt.rpm_limit !== undefined ? { rpmLimit: settings.jwt.rpm_limit } : {}),
          ...(settings.jwt.tpm_limit !== undefined ? { tpmLimit: settings.jwt.tpm_limit } : {}),
          ...(id.expiresAt ? { expires: id.expiresAt } : {}),
          metadata: {},
        };
      } catch (err) {
        throw invalidKey(`Invalid JWT: ${(err as Error).message}`);
      }
    }
    const record = await lookup(hashKey(token));
    if (record === 'unavailable' || record === undefined) {
      if (!(await isEnforced())) return ANONYMOUS;
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
      if (token === undefined) throw invalidKey(masterKey ? MISSING : 'The admin API is disabled: set HELIX_MASTER_KEY (or general_settings.master_key) and use it as the API key.');
      const principal = await authenticate(request);
      if (principal.admin) return principal;
      if (principal.kind === 'anonymous') throw invalidKey(masterKey ? `Incorrect API key provided: ${keyDisplayName(token)}.` : 'The admin API is disabled: set HELIX_MASTER_KEY (or general_settings.master_key).');
      throw new GatewayError('forbidden', 'This endpoint needs the master key (admin); the API key provided is not an admin key.');
    },
    isEnforced,
    invalidate(hash) {
      if (hash) cache.delete(hash);
      else cache.clear();
    },
    noteKeyCreated() {
      keyCount = Math.max(1, keyCount ?? 0);
    },
    async close() {
      cache.clear(); // the store is closed by its owner
    },
  };
}
