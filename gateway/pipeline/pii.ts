// PII handling for the pipeline's stages: the caller's policy, the request body scanned before anything leaves the
// gateway (fail-closed) and rewritten per policy, one PII event per finding (never the value), and — for
// mask-and-restore — a restorer that puts the originals back into what the client receives.
import { newEvent } from '../../core/events/envelope.ts';
import type { PiiEvent } from '../../schemas/events/pii.ts';
import { resolvePiiSettings } from '../../schemas/config/pii.ts';
import { guardRequest } from '../pii/guard.ts';
import { policyFor, type PiiPolicy } from '../pii/policy.ts';
import type { RequestKind } from '../pii/request-walker.ts';
import { createRestorer, type Restorer } from '../pii/restore.ts';
import type { Finding } from '../pii/types.ts';
import type { PiiProtectionOverride, PiiProtectionSettings } from '../../schemas/config/pii.ts';
import type { RequestTrace } from './trace.ts';
import { subjectOf, type EventSink } from './events.ts';

export interface PiiStageResult<T> {
  body: T;
  /** Present when some value was replaced by a restorable placeholder. */
  restorer: Restorer | undefined;
}

/** The policy for this caller: config, then the key's own override (metadata.pii_protection), compiled once. */
export function policyForCaller(base: PiiProtectionSettings, override: unknown): PiiPolicy {
  if (!override || typeof override !== 'object') return policyFor(base);
  return policyFor(resolveOverride(base, override as PiiProtectionOverride));
}

const overrides = new WeakMap<object, PiiProtectionSettings>();
function resolveOverride(base: PiiProtectionSettings, override: PiiProtectionOverride): PiiProtectionSettings {
  let settings = overrides.get(override);
  if (!settings) {
    settings = resolvePiiSettings(base, override);
    overrides.set(override, settings);
  }
  return settings;
}

export function protectRequest<T extends object>(kind: RequestKind, body: T, policy: PiiPolicy, trace: RequestTrace, events: EventSink): PiiStageResult<T> {
  if (!policy.settings.enabled) return { body, restorer: undefined };
  const outcome = guardRequest(kind, body, policy);
  switch (outcome.outcome) {
    case 'forward_unscanned':
      return { body, restorer: undefined };
    case 'refuse':
      throw outcome.error;
    case 'block':
      emitFindings(outcome.result.findings, 'request', trace, events);
      throw outcome.error;
    case 'forward': {
      const { result } = outcome;
      if (result.findings.length > 0) emitFindings(result.findings, 'request', trace, events);
      return { body: result.body, restorer: result.vault.size > 0 ? createRestorer(result.vault) : undefined };
    }
  }
}

/** PII events per request and direction: a body made of thousands of values is not thousands of events. */
const PII_EVENTS_MAX = 1000;

export function emitFindings(findings: Finding[], direction: PiiEvent['direction'], trace: RequestTrace, events: EventSink): void {
  const ts = new Date().toISOString();
  const subject = subjectOf(trace);
  for (const f of findings.slice(0, PII_EVENTS_MAX)) {
    const event = newEvent<PiiEvent>('pii', subject, {
      model: trace.model,
      provider: '',
      deployment: '',
      endpoint: trace.endpoint,
      direction,
      entity: f.entity,
      action: f.action,
      detector: f.detector,
      confidence: f.confidence,
      path: f.location.path,
      message_index: f.location.messageIndex ?? -1,
      role: f.location.role ?? '',
      offset: f.location.offset,
      length: f.location.length,
      fingerprint: f.fingerprint,
    }, { ts });
    events.emit(event);
  }
  trace.piiFindings += findings.length;
}
