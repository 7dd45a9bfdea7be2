// `helix_settings.auth` and `helix_settings.limits`: who may call the gateway (master key, virtual keys, JWT) and
// how fast (RPM/TPM per key and team). One TypeBox schema gives the TypeScript type, the validator and the defaults.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Opt = Type.Optional;

export const JwtAuthSettings = Type.Object(
  {
    /** Off by default. When on, a Bearer token that looks like a JWT (three dot-separated parts) is verified. */
    enabled: Type.Boolean({ default: false }),
    /** JWKS endpoint of the identity provider, e.g. https://idp.example.com/.well-known/jwks.json */
    jwks_url: Opt(Type.String({ minLength: 1 })),
    /** Expected `iss`; unset = not checked. */
    issuer: Opt(Type.String()),
    /** Expected `aud` (one or several); unset = not checked. */
    audience: Opt(Type.Union([Type.String(), Type.Array(Type.String())])),
    algorithms: Type.Array(Type.String(), { default: ['RS256', 'ES256', 'PS256', 'EdDSA'] }),
    clock_tolerance_seconds: Type.Number({ minimum: 0, default: 30 }),
    /** Claim (dot path allowed, e.g. `realm.user`) that becomes the request's user id. */
    user_id_claim: Type.String({ default: 'sub' }),
    /** Claim that becomes the team id (string, or the first element of an array). */
    team_id_claim: Type.String({ default: 'team_id' }),
    /** Optional claim listing allowed models (array or space/comma-separated string); absent = all models. */
    models_claim: Opt(Type.String()),
    /** A token whose `scope`/`scp` contains this value is an admin (may use the admin API). Unset = never. */
    admin_scope: Opt(Type.String()),
    /** Limits for JWT callers (per user id); unset = none. */
    rpm_limit: Opt(Type.Integer({ minimum: 1 })),
    tpm_limit: Opt(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false, default: {} },
);

export const AuthSettings = Type.Object(
  {
    /**
     * `auto` (default): auth is on as soon as a master key is set (HELIX_MASTER_KEY or general_settings.master_key),
     * JWT auth is enabled or any virtual key exists; a fresh local start without any of these accepts every
     * request (any or no key). `required`: always on, even on a fresh start.
     */
    mode: Type.Union([Type.Literal('auto'), Type.Literal('required')], { default: 'auto' }),
    /** Redis key prefix of the key store (index `<prefix>key:index`, documents `<prefix>key:<sha256>`). */
    redis_prefix: Type.String({ default: 'helix:' }),
    /** How long a verified key is trusted from the in-memory cache before it is looked up again. */
    cache_ttl_seconds: Type.Number({ minimum: 0, default: 5 }),
    /** While Redis is unreachable, keys verified within this many seconds stay valid (last-known-good). */
    cache_stale_seconds: Type.Number({ minimum: 0, default: 3600 }),
    cache_max_entries: Type.Integer({ minimum: 1, default: 10_000 }),
    /** Unknown keys are remembered this long, so a flood of bad keys does not reach Redis. */
    negative_cache_seconds: Type.Number({ minimum: 0, default: 2 }),
    /** A key lookup slower than this counts as "Redis unreachable". */
    redis_timeout_ms: Type.Integer({ minimum: 1, default: 500 }),
    jwt: JwtAuthSettings,
  },
  { additionalProperties: false, default: {} },
);

export const TeamLimit = Type.Object(
  {
    rpm_limit: Opt(Type.Integer({ minimum: 1 })),
    tpm_limit: Opt(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const LimitSettings = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /**
     * What happens when Redis cannot be reached to check a limit: `true` (default) serves the request without the
     * limit (a gateway keeps serving), `false` answers 429 with Retry-After. Never a 5xx either way.
     */
    fail_open: Type.Boolean({ default: true }),
    /** Sliding window length; RPM/TPM are per this window (60 s). */
    window_seconds: Type.Integer({ minimum: 1, default: 60 }),
    /** Window precision: usage is kept in buckets of this size (the window slides bucket by bucket). */
    bucket_ms: Type.Integer({ minimum: 10, default: 1000 }),
    redis_prefix: Type.String({ default: 'helix:rl:' }),
    /** A limiter call slower than this counts as "Redis unreachable". */
    redis_timeout_ms: Type.Integer({ minimum: 1, default: 250 }),
    /** Send x-ratelimit-* headers (OpenAI's names) on every limited response. */
    headers: Type.Boolean({ default: true }),
    /** Per-team limits (team id → limits), shared by all keys of the team. */
    teams: Type.Record(Type.String(), TeamLimit, { default: {} }),
  },
  { additionalProperties: false, default: {} },
);

export type JwtAuthSettings = Static<typeof JwtAuthSettings>;
export type AuthSettings = Static<typeof AuthSettings>;
export type TeamLimit = Static<typeof TeamLimit>;
export type LimitSettings = Static<typeof LimitSettings>;

/** What callers may pass: any subset; defaults fill the rest. */
export type AuthSettingsInput = Partial<Omit<AuthSettings, 'jwt'>> & { jwt?: Partial<JwtAuthSettings> };
export type LimitSettingsInput = Partial<LimitSettings>;

/** Defaults filled in (for tests and callers without a config file section). */
export function authSettings(partial: AuthSettingsInput = {}): AuthSettings {
  return Value.Default(AuthSettings, Value.Clone(partial ?? {})) as AuthSettings;
}

export function limitSettings(partial: LimitSettingsInput = {}): LimitSettings {
  return Value.Default(LimitSettings, Value.Clone(partial ?? {})) as LimitSettings;
}
