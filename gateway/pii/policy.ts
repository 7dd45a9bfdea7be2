// A compiled PII policy: effective settings turned into what the hot path needs (enabled recognizers, per-entity
// thresholds and actions, allowlist sets, denylist matcher, HMAC key). Compile once per settings object and reuse:
// `policyFor` memoizes on the settings object's identity.
import type { KeyObject } from 'node:crypto';
import {
  DENYLIST_ENTITY,
  PII_ENTITIES,
  minConfidenceFor,
  resolvePiiSettings,
  type PiiProtectionSettings,
} from '../../schemas/config/pii.ts';
import { fingerprintKey } from './fingerprint.ts';
import { foldForMatching } from './normalize.ts';
import { compileDenylist, type DenylistMatcher } from './recognizers/denylist.ts';
import { recognizersFor } from './recognizers/builtin.ts';
import type { FindingEntity, PiiAction, PiiEntity, Recognizer } from './types.ts';

export interface Allowlist {
  /** Lower-cased exact values. */
  readonly values: ReadonlySet<string>;
  /** Lower-cased email domains (`example.com` also allows `mail.example.com`). */
  readonly domains: ReadonlySet<string>;
}

export interface PiiPolicy {
  readonly settings: PiiProtectionSettings;
  readonly enabled: boolean;
  readonly entities: ReadonlySet<PiiEntity>;
  readonly recognizers: readonly Recognizer[];
  readonly minConfidence: Readonly<Record<FindingEntity, number>>;
  readonly actions: Readonly<Record<FindingEntity, PiiAction>>;
  readonly allowlist: Allowlist;
  readonly denylist: DenylistMatcher | undefined;
  readonly phoneRegions: readonly string[];
  readonly fingerprintKey: KeyObject;
  /** `ephemeral` when no secret was configured: fingerprints then only correlate within this process. */
  readonly fingerprintKeySource: 'configured' | 'ephemeral';
}

export interface CompileOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra recognizers (e.g. a PERSON/LOCATION NER plug-in) run after the built-in ones. */
  extraRecognizers?: readonly Recognizer[];
}

export function compilePolicy(settings: PiiProtectionSettings, options: CompileOptions = {}): PiiPolicy {
  const env = options.env ?? process.env;
  const entities = new Set<PiiEntity>(settings.entities);
  const all: FindingEntity[] = [...PII_ENTITIES, DENYLIST_ENTITY];
  const minConfidence = Object.fromEntries(all.map((e) => [e, minConfidenceFor(settings, e)])) as Record<FindingEntity, number>;
  const actions = Object.fromEntries(all.map((e) => [e, settings.entity_actions[e] ?? settings.action])) as Record<FindingEntity, PiiAction>;
  const values = new Set<string>();
  const domains = new Set<string>();
  for (const raw of settings.allowlist) {
    // Compared with the matching view of detected values (normalize.ts), so entries are folded the same way.
    const entry = foldForMatching(raw.trim()).toLowerCase();
    if (entry.startsWith('@')) domains.add(entry.slice(1));
    else {
      values.add(entry);
      if (!entry.includes('@') && /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/.test(entry)) domains.add(entry);
    }
  }
  const secret = settings.fingerprint_secret ?? env[settings.hmac_secret_env];
  const { key, source } = fingerprintKey(secret);
  return {
    settings,
    enabled: settings.enabled,
    entities,
    recognizers: recognizersFor(entities, options.extraRecognizers),
    minConfidence,
    actions,
    allowlist: { values, domains },
    denylist: compileDenylist(settings.denylist),
    phoneRegions: settings.phone_regions,
    fingerprintKey: key,
    fingerprintKeySource: source,
  };
}

const cache = new WeakMap<PiiProtectionSettings, PiiPolicy>();

/** Compiled policy for a settings object, memoized on its identity (resolve settings once per key/team). */
export function policyFor(settings: PiiProtectionSettings): PiiPolicy {
  let policy = cache.get(settings);
  if (!policy) {
    policy = compilePolicy(settings);
    cache.set(settings, policy);
  }
  return policy;
}

/** Convenience for tests and tools: defaults with overrides, compiled. */
export function createPolicy(...layers: Parameters<typeof resolvePiiSettings>): PiiPolicy {
  return compilePolicy(resolvePiiSettings(...layers));
}

/** Whether model output is scanned under this policy (`enabled` and `scan_output`). */
export function scansOutput(policy: PiiPolicy): boolean {
  return policy.enabled && policy.settings.scan_output;
}
