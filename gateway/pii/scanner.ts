// The scanner: runs the enabled recognizers over the matching view of one string (normalize.ts), drops
// allowlisted and low-confidence hits, adds denylist hits and resolves overlaps. Returned offsets are UTF-16
// indexes into the given (original) string.
import { foldForMatching, matchingView, type MatchingView } from './normalize.ts';
import type { PiiPolicy } from './policy.ts';
import type { Detection, ScanState } from './types.ts';

export interface ScanOptions {
  /** JSON field name the string came from (e.g. `password`, `api_key`): a cue on its own. */
  fieldName?: string;
}

export function scanText(original: string, policy: PiiPolicy, options: ScanOptions = {}): Detection[] {
  if (original.length === 0) return [];
  const view = matchingView(original);
  const found = scanView(view.text, policy, options.fieldName);
  return view.changed ? toOriginalSpans(found, view) : found;
}

function scanView(text: string, policy: PiiPolicy, fieldName: string | undefined): Detection[] {
  const scan: ScanState = { phoneRegions: policy.phoneRegions, fieldName: fieldName && foldForMatching(fieldName), phoneVerdicts: new Map() };
  const raw: Detection[] = [];
  for (const recognizer of policy.recognizers) recognizer.detect(text, scan, raw);
  const kept: Detection[] = [];
  for (const d of raw) {
    if (d.entity !== 'DENYLIST' && !policy.entities.has(d.entity)) continue;
    if (d.confidence < policy.minConfidence[d.entity]) continue;
    if (isAllowlisted(d, text, policy)) continue;
    kept.push(d);
  }
  policy.denylist?.detect(text, kept);
  return resolveOverlaps(kept);
}

/**
 * Detections in the view → spans of the original. A folded unit maps as a whole, so two detections that each
 * touch one half of an expanded unit (ﬁ → fi) can overlap in the original: the later one starts where the
 * earlier one ends.
 */
function toOriginalSpans(found: Detection[], view: MatchingView): Detection[] {
  const out: Detection[] = [];
  let prevEnd = 0;
  for (const d of found) {
    const [start, end] = view.toOriginal(d.start, d.end);
    const clipped = Math.max(start, prevEnd);
    if (clipped >= end) continue;
    out.push({ ...d, start: clipped, end });
    prevEnd = end;
  }
  return out;
}

function isAllowlisted(d: Detection, text: string, policy: PiiPolicy): boolean {
  const { values, domains } = policy.allowlist;
  if (values.size === 0 && domains.size === 0) return false;
  const value = text.slice(d.start, d.end).toLowerCase();
  if (values.has(value)) return true;
  if (d.entity === 'EMAIL_ADDRESS' && domains.size > 0) {
    // The domain and each parent domain: "mail.corp.example.com" is allowed by "example.com".
    for (let dot = value.indexOf('@'); dot !== -1; dot = value.indexOf('.', dot + 1)) {
      if (domains.has(value.slice(dot + 1))) return true;
    }
  }
  return false;
}

function priority(a: Detection, b: Detection): number {
  return b.confidence - a.confidence || b.end - b.start - (a.end - a.start) || a.start - b.start;
}

/**
 * Keeps, within each group of overlapping detections, the highest-confidence ones (then the longest), so one
 * character is never claimed twice. Groups are found in one sweep by start offset, so non-overlapping input —
 * the common case — costs a sort and nothing more.
 */
export function resolveOverlaps(detections: Detection[]): Detection[] {
  if (detections.length <= 1) return detections;
  const byStart = [...detections].sort(byStartThenLongest);
  const out: Detection[] = [];
  let groupStart = 0;
  let groupEnd = -1;
  for (let i = 0; i <= byStart.length; i++) {
    const d = byStart[i];
    if (d !== undefined && d.start < groupEnd) {
      groupEnd = Math.max(groupEnd, d.end);
      continue;
    }
    if (i > groupStart) pickFromGroup(byStart.slice(groupStart, i), out);
    if (d !== undefined) {
      groupStart = i;
      groupEnd = d.end;
    }
  }
  return out;
}

function byStartThenLongest(a: Detection, b: Detection): number {
  return a.start - b.start || b.end - a.end;
}

function pickFromGroup(group: Detection[], out: Detection[]): void {
  if (group.length === 1) {
    out.push(group[0]!);
    return;
  }
  const chosen: Detection[] = [];
  for (const d of group.sort(priority)) if (!chosen.some((c) => c.start < d.end && d.start < c.end)) chosen.push(d);
  out.push(...chosen.sort(byStartThenLongest));
}
