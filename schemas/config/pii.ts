// `helix_settings.pii_protection`: the PII settings of the gateway, per deployment and overridable per key/team.
// One TypeBox schema gives the TypeScript type, the runtime validator and the defaults.
import { Type, type Static, type TSchema, type TOptional, type ObjectOptions, type SchemaOptions } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** Entities the built-in recognizers detect. Names follow Microsoft Presidio so users recognise them. */
export const PII_ENTITIES = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'US_SSN',
  'IBAN_CODE',
  'IP_ADDRESS',
  'API_KEY',
  'PASSWORD',
] as const;
export type PiiEntity = (typeof PII_ENTITIES)[number];

/** Entity reported for a hit of the configured denylist (always-flag terms). */
export const DENYLIST_ENTITY = 'DENYLIST';
/** Every entity a finding can carry. */
export type FindingEntity = PiiEntity | typeof DENYLIST_ENTITY;

export const PII_ACTIONS = ['redact', 'mask', 'block', 'restore'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

// Spelled out (not mapped from the arrays) so `Static` keeps the literal types.
export const PiiEntitySchema = Type.Union([
  Type.Literal('EMAIL_ADDRESS'),
  Type.Literal('PHONE_NUMBER'),
  Type.Literal('CREDIT_CARD'),
  Type.Literal('US_SSN'),
  Type.Literal('IBAN_CODE'),
  Type.Literal('IP_ADDRESS'),
  Type.Literal('API_KEY'),
  Type.Literal('PASSWORD'),
]);
const actionSchema = (options: SchemaOptions = {}) =>
  Type.Union([Type.Literal('redact'), Type.Literal('mask'), Type.Literal('block'), Type.Literal('restore')], options);
export const PiiActionSchema = actionSchema();

/** entity → T map where every key is optional (Type.Record over literal keys would make them all required). */
function perEntity<T extends TSchema>(value: T, options: ObjectOptions = {}) {
  const props = {} as { [K in FindingEntity]: TOptional<T> };
  for (const e of [...PII_ENTITIES, DENYLIST_ENTITY] as const) props[e] = Type.Optional(value) as TOptional<T>;
  return Type.Object(props, { additionalProperties: false, ...options });
}

const confidence = Type.Number({ minimum: 0, maximum: 1 });
/** Used for entities without their own `min_confidence`. */
export const DEFAULT_MIN_CONFIDENCE = 0.5;

/** National phone formats are tried against these regions (international `+CC …` numbers need none). */
export const DEFAULT_PHONE_REGIONS = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'CH', 'AT', 'BE', 'IN', 'AU', 'BR'] as const;

export const PiiProtectionSettings = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Entities to detect. Default: all built-in ones. */
    entities: Type.Array(PiiEntitySchema, { default: [...PII_ENTITIES], uniqueItems: true }),
    /** Action for every entity without an entry in `entity_actions`. */
    action: actionSchema({ default: 'redact' }),
    entity_actions: perEntity(PiiActionSchema, { default: {} }),
    /** Values never flagged: exact values (case-insensitive) or domains (`@example.com`, `example.com`) for emails. */
    allowlist: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Terms always flagged (entity DENYLIST), matched case-insensitively on word boundaries. */
    denylist: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Detections below this confidence are ignored: one number for all, or per entity (others use 0.5). */
    min_confidence: Type.Union([confidence, perEntity(confidence)], { default: DEFAULT_MIN_CONFIDENCE }),
    /** Also scan model output, streamed or not: `redact` and `mask` apply, `restore` and `block` act as `redact`. */
    scan_output: Type.Boolean({ default: false }),
    /** What the gateway does when the scanner throws: refuse the request (fail-closed) or forward it unscanned. */
    on_error: Type.Union([Type.Literal('block'), Type.Literal('allow')], { default: 'block' }),
    /** Environment variable holding the HMAC key for value fingerprints. */
    hmac_secret_env: Type.String({ default: 'HELIX_PII_HMAC_SECRET' }),
    /** HMAC key given inline (takes precedence over `hmac_secret_env`); prefer the env variable. */
    fingerprint_secret: Type.Optional(Type.String({ minLength: 16 })),
    /** Regions tried for national phone formats (ISO 3166 alpha-2), in order. */
    phone_regions: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { default: [...DEFAULT_PHONE_REGIONS] }),
  },
  { additionalProperties: false },
);
export type PiiProtectionSettings = Static<typeof PiiProtectionSettings>;

/** What a config file, a key or a team may set: any subset of the settings. */
export const PiiProtectionOverride = Type.Partial(PiiProtectionSettings);
export type PiiProtectionOverride = Static<typeof PiiProtectionOverride>;

const overrideCheck = TypeCompiler.Compile(PiiProtectionOverride);

/** Validates a (partial) settings object from config or an override; returns readable errors. */
export function validatePiiSettings(value: unknown): { ok: true; value: PiiProtectionOverride } | { ok: false; errors: string[] } {
  if (overrideCheck.Check(value)) return { ok: true, value };
  return { ok: false, errors: [...overrideCheck.Errors(value)].slice(0, 10).map((e) => `${e.path || '/'}: ${e.message}`) };
}

/** The defaults as a fresh object (callers may mutate their copy). */
export function defaultPiiSettings(): PiiProtectionSettings {
  return {
    enabled: true,
    entities: [...PII_ENTITIES],
    action: 'redact',
    entity_actions: {},
    allowlist: [],
    denylist: [],
    min_confidence: DEFAULT_MIN_CONFIDENCE,
    scan_output: false,
    on_error: 'block',
    hmac_secret_env: 'HELIX_PII_HMAC_SECRET',
    phone_regions: [...DEFAULT_PHONE_REGIONS],
  };
}

/**
 * Effective settings: defaults, then each layer (deployment config, team, key …) merged on top in order.
 * Scalars and lists replace; the per-entity maps (`entity_actions`, per-entity `min_confidence`) merge key by key,
 * so a key can change the action of one entity without restating the others.
 */
export function resolvePiiSettings(...layers: Array<PiiProtectionOverride | undefined | null>): PiiProtectionSettings {
  const out = defaultPiiSettings();
  for (const layer of layers) {
    if (!layer) continue;
    const { entity_actions, min_confidence, entities, allowlist, denylist, phone_regions, ...scalars } = layer;
    Object.assign(out, stripUndefined(scalars));
    if (entities) out.entities = [...entities];
    if (allowlist) out.allowlist = [...allowlist];
    if (denylist) out.denylist = [...denylist];
    if (phone_regions) out.phone_regions = [...phone_regions];
    if (entity_actions) out.entity_actions = { ...out.entity_actions, ...stripUndefined(entity_actions) };
    if (typeof min_confidence === 'number') out.min_confidence = min_confidence;
    else if (min_confidence) out.min_confidence = { ...expandConfidence(out.min_confidence), ...stripUndefined(min_confidence) };
  }
  return out;
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** A single threshold as a per-entity map, so a partial per-entity override keeps the others at that threshold. */
function expandConfidence(value: PiiProtectionSettings['min_confidence']): Exclude<PiiProtectionSettings['min_confidence'], number> {
  if (typeof value !== 'number') return value;
  return Object.fromEntries([...PII_ENTITIES, DENYLIST_ENTITY].map((e) => [e, value]));
}

/** The confidence threshold that applies to one entity. */
export function minConfidenceFor(settings: Pick<PiiProtectionSettings, 'min_confidence'>, entity: FindingEntity): number {
  const m = settings.min_confidence;
  return typeof m === 'number' ? m : (m[entity] ?? DEFAULT_MIN_CONFIDENCE);
}

// Compile-time check that the schemas and the constant lists agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _entitiesAgree: Same<Static<typeof PiiEntitySchema>, PiiEntity> = true;
const _actionsAgree: Same<Static<typeof PiiActionSchema>, PiiAction> = true;
