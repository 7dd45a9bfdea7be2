// Rewrites the string fields of one body: scan, apply the policy's actions, record findings (where, what, a
// fingerprint — never the value). Used by the request walkers (walk-openai.ts, walk-anthropic.ts).
import { applyActions, type AppliedDetection } from './actions.ts';
import type { PiiPolicy } from './policy.ts';
import { scanText } from './scanner.ts';
import type { Finding, FindingEntity } from './types.ts';
import type { PiiVault } from './vault.ts';
import { isRecord } from '../../lib/is-record.ts';

export interface Where {
  path: string;
  messageIndex?: number;
  role?: string;
}

export type Obj = Record<string, unknown>;

/** Whether the keys of JSON objects are scanned too (data) or left alone (a schema's property names). */
export type KeyMode = 'scan-keys' | 'keep-keys';

// Paths reach events: a key longer than this is cut (keys are client input of any length).
const MAX_POINTER_SEGMENT = 64;

/** One JSON Pointer segment (RFC 6901 escaping), bounded in length. */
function pointerSegment(key: string): string {
  let seg = key.replace(/~/g, '~0').replace(/\//g, '~1');
  if (seg.length > MAX_POINTER_SEGMENT) {
    seg = seg.slice(0, MAX_POINTER_SEGMENT - 1);
    const last = seg.charCodeAt(seg.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) seg = seg.slice(0, -1);
    seg += '…';
  }
  return seg;
}

const at = (where: Where, pointer: string): Where => (pointer ? { ...where, path: where.path + pointer } : where);

/** Collects findings while rewriting string fields. */
export class FieldRewriter {
  readonly findings: Finding[] = [];
  readonly blocked = new Set<FindingEntity>();
  changed = false;
  /** Per-body memo of fingerprints (the same value repeated across messages is hashed once). */
  readonly #fingerprints = new Map<string, string>();

  constructor(
    readonly policy: PiiPolicy,
    readonly vault: PiiVault,
  ) {}

  /** One string field, returned rewritten (the same string when nothing was found). */
  text(value: string, where: Where, fieldName?: string): string {
    const { text, applied } = this.#rewrite(value, fieldName);
    this.#record(applied, where, false);
    return text;
  }

  /**
   * Every string inside a parsed JSON value; an object key names its value's field (a cue for passwords and
   * secrets). With `scan-keys` the keys are data too (`{"jane@x.com": …}`) and are rewritten; keys that become
   * equal get `_2`, `_3` … so no member is lost. Paths name members by their rewritten keys.
   */
  json(value: unknown, where: Where, keys: KeyMode, pointer = '', fieldName?: string): unknown {
    if (typeof value === 'string') return this.text(value, at(where, pointer), fieldName);
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      value.forEach((item, i) => {
        const next = this.json(item, where, keys, `${pointer}/${i}`, fieldName);
        if (next !== item) (out ??= [...value])[i] = next;
      });
      return out ?? value;
    }
    if (!isRecord(value)) return value;
    const entries = Object.entries(value);
    const rewritten = keys === 'scan-keys' ? entries.map(([k]) => this.#rewrite(k, undefined)) : undefined;
    const finalKeys = rewritten ? distinctKeys(entries.map(([k]) => k), rewritten.map((r) => r.text)) : undefined;
    let changed = false;
    const out = entries.map(([k, v], i): [string, unknown] => {
      const key = finalKeys?.[i] ?? k;
      const member = `${pointer}/${pointerSegment(key)}`;
      if (rewritten) this.#record(rewritten[i]!.applied, at(where, member), true);
      const next = this.json(v, where, keys, member, k);
      if (key !== k || next !== v) changed = true;
      return [key, next];
    });
    // fromEntries defines own properties: a `__proto__` key stays data instead of reaching the prototype setter.
    return changed ? Object.fromEntries(out) : value;
  }

  /** A JSON document held in a string (tool-call arguments): walked parsed, keys included; else plain text. */
  jsonText(value: string, where: Where): string {
    const trimmed = value.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) {
        const next = this.json(parsed, { ...where, path: `${where.path}#` }, 'scan-keys');
        return next === parsed ? value : JSON.stringify(next);
      }
    }
    return this.text(value, where);
  }

  #rewrite(value: string, fieldName: string | undefined): { text: string; applied: AppliedDetection[] } {
    const detections = scanText(value, this.policy, { fieldName });
    if (detections.length === 0) return { text: value, applied: [] };
    const result = applyActions(value, detections, this.policy, this.vault, { fingerprints: this.#fingerprints });
    if (result.text !== value) this.changed = true;
    return result;
  }

  #record(applied: readonly AppliedDetection[], where: Where, inKey: boolean): void {
    for (const { detection: d, action, fingerprint } of applied) {
      const location = { path: where.path, messageIndex: where.messageIndex, role: where.role, offset: d.start, length: d.end - d.start };
      this.findings.push({
        entity: d.entity,
        action,
        detector: d.detector,
        confidence: d.confidence,
        location: inKey ? { ...location, inKey } : location,
        fingerprint,
      });
      if (action === 'block') this.blocked.add(d.entity);
    }
  }
}

/** Rewritten keys, made distinct from each other and from the keys left as they were. */
function distinctKeys(original: readonly string[], rewritten: readonly string[]): string[] {
  const taken = new Set(original.filter((k, i) => rewritten[i] === k));
  return rewritten.map((key, i) => {
    if (key === original[i]) return key;
    let unique = key;
    for (let n = 2; taken.has(unique); n++) unique = `${key}_${n}`;
    taken.add(unique);
    return unique;
  });
}
