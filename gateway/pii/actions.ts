// Actions on detected values: `redact` → `<ENTITY>`, `mask` → partial mask, `restore` → vault placeholder,
// `block` → reported to the caller (the value is also redacted, so a caller that forwards anyway leaks nothing).
import { fingerprint } from './fingerprint.ts';
import { maskValue } from './masking.ts';
import { foldForMatching } from './normalize.ts';
import type { PiiPolicy } from './policy.ts';
import type { Detection, FindingEntity, PiiAction } from './types.ts';
import type { PiiVault } from './vault.ts';

export { maskValue } from './masking.ts';
export { createRestorer, type Restorer, type StreamRestorer } from './restore.ts';

export interface AppliedDetection {
  detection: Detection;
  action: PiiAction;
  /** HMAC fingerprint of the value (see fingerprint.ts); the value itself is never returned. */
  fingerprint: string;
}

export interface ApplyResult {
  text: string;
  applied: AppliedDetection[];
}

export interface ApplyOptions {
  /**
   * Output scanning: `restore` and `block` act as `redact`. Placeholders are the request side's mechanism, and a
   * block cannot take back text that is already streamed: the same request behaves the same streamed or not.
   */
  output?: boolean;
  /** Fingerprints already computed in this request (entity + value → fingerprint): repeats cost nothing. */
  fingerprints?: Map<string, string>;
}

export function replacementFor(action: PiiAction, entity: FindingEntity, value: string, vault: PiiVault): string {
  switch (action) {
    case 'mask':
      // Masked from the matching view: `john＠example.com` masks like `john@example.com`.
      return maskValue(entity, foldForMatching(value));
    case 'restore':
      return vault.placeholderFor(entity, value);
    case 'redact':
    case 'block':
      return `<${entity}>`;
  }
}

/** The action taken on one entity; output scanning only redacts or masks (see `ApplyOptions.output`). */
export function actionFor(policy: PiiPolicy, entity: FindingEntity, output: boolean): PiiAction {
  const action = policy.actions[entity];
  return output && (action === 'restore' || action === 'block') ? 'redact' : action;
}

/** Applies the policy's action to each detection (sorted, non-overlapping, as `scanText` returns them). */
export function applyActions(text: string, detections: readonly Detection[], policy: PiiPolicy, vault: PiiVault, options: ApplyOptions = {}): ApplyResult {
  if (detections.length === 0) return { text, applied: [] };
  const applied: AppliedDetection[] = [];
  let out = '';
  let cursor = 0;
  for (const d of detections) {
    const value = text.slice(d.start, d.end);
    const action = actionFor(policy, d.entity, options.output ?? false);
    out += text.slice(cursor, d.start) + replacementFor(action, d.entity, value, vault);
    cursor = d.end;
    applied.push({ detection: d, action, fingerprint: cachedFingerprint(policy, d.entity, value, options.fingerprints) });
  }
  return { text: out + text.slice(cursor), applied };
}

function cachedFingerprint(policy: PiiPolicy, entity: FindingEntity, value: string, memo: Map<string, string> | undefined): string {
  if (!memo) return fingerprint(policy.fingerprintKey, entity, value);
  const key = `${entity}\u0000${value}`;
  let fp = memo.get(key);
  if (fp === undefined) {
    fp = fingerprint(policy.fingerprintKey, entity, value);
    memo.set(key, fp);
  }
  return fp;
}
