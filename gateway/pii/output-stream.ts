// Output scanning of one stream of text deltas (one per choice and per tool call: they interleave). A value can
// arrive split across deltas (`jo`, `hn@exa`, `mple.com`), so the scanner holds back the tail that could still
// be part of one and releases text as soon as it cannot:
//   - the last token (text after the last whitespace, quote, comma, bracket …), which may still grow;
//   - before it, up to ten short digit groups separated by single spaces (phone numbers, cards, IBANs);
//   - as many more words as the longest denylist term has, minus one;
//   - any detection reaching into that tail, a detection with inner whitespace (PEM block) that nothing but
//     whitespace follows yet, and an unfinished PEM marker line.
// Released text stays as left context (cue words such as "password:" precede their value) but is never sent
// twice. Holdback is bounded (MAX_HOLD): past it the oldest part is released, and a value cut there is redacted
// up to the next token boundary. A delta that ends a token rescans the held text plus that context; held text
// above RESCAN_FREELY is rescanned only after 25 % growth, so time stays linear in the stream's length.
import { actionFor, replacementFor } from './actions.ts';
import { fingerprint } from './fingerprint.ts';
import { foldForMatching } from './normalize.ts';
import type { PiiPolicy } from './policy.ts';
import { scanText } from './scanner.ts';
import type { Detection, Finding } from './types.ts';
import { PiiVault } from './vault.ts';

export interface OutputStreamScanner {
  /** Text safe to send now: what came before minus a held-back tail (possibly ''). */
  push(text: string): string;
  /** End of the stream: everything still held, scanned as final. */
  flush(): string;
  /** Findings so far; offsets are into the whole stream's text as the provider produced it. */
  readonly findings: Finding[];
}

export interface OutputStreamOptions {
  /** Path reported with findings, e.g. `choices[0].delta.content`. */
  path?: string;
  role?: string;
  messageIndex?: number;
  /** The stream is JSON text (tool-call arguments): a replacement never splits an escape sequence. */
  json?: boolean;
  /** Where findings are collected (shared by the streams of one response); default: a list of its own. */
  findings?: Finding[];
}

/** Released text kept as left context for the recognizers' cue words (they look back at most ~60 chars). */
const CONTEXT = 64;
/** Most text held back: the longest value a recognizer reports (a PEM block, 16 K) fits with room to spare. */
export const MAX_HOLD = 32_768;
/** Held text below this is rescanned on every delta that ends a token; above it, after 25 % growth. */
const RESCAN_FREELY = 1024;
const MAX_GROUPS = 10;
const MAX_GROUP_LENGTH = 16;

const isSpace = (c: number): boolean =>
  c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000;
/** Characters no detected value contains: a token ends there. */
const isBoundary = (c: number): boolean =>
  isSpace(c) || c === 34 /* " */ || c === 44 /* , */ || c === 59 /* ; */ || c === 60 /* < */ || c === 62 /* > */ || c === 96 /* ` */ ||
  c === 91 /* [ */ || c === 93 /* ] */ || c === 123 /* { */ || c === 125 /* } */;
const isGap = (c: number): boolean => isSpace(c) && c !== 10 && c !== 13;

function hasBoundary(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isBoundary(text.charCodeAt(i))) return true;
  return false;
}

function tokenStart(w: string, end: number, min: number): number {
  let s = end;
  while (s > min && !isBoundary(w.charCodeAt(s - 1))) s--;
  return s;
}

/** A short token with a digit: one group of a phone number, card, IBAN or spaced SSN. */
function isDigitGroup(token: string): boolean {
  return token.length <= MAX_GROUP_LENGTH && /\d/.test(foldForMatching(token));
}

/** Start of the tail that token rules hold back (see the header), at least `min`. */
function tokenHoldStart(w: string, min: number, extraWords: number): number {
  let h = tokenStart(w, w.length, min);
  const endsWithSpace = h === w.length && h > min && isSpace(w.charCodeAt(h - 1));
  if (h === w.length && !endsWithSpace) return h; // ends at a boundary such as '"' or ','
  // The trailing token may still grow into a group; an empty one may be followed by the next group.
  let groupLike = h === w.length || w.length - h <= MAX_GROUP_LENGTH;
  for (let groups = 0; groupLike && groups < MAX_GROUPS; groups++) {
    const prev = previousToken(w, h, min);
    groupLike = prev !== undefined && isDigitGroup(w.slice(prev, gapStart(w, h, min)));
    if (groupLike) h = prev!;
  }
  for (let words = 0; words < extraWords; words++) h = previousToken(w, h, min) ?? h;
  return h;
}

/** Start of the whitespace gap (at most 3 spaces, no line break) that ends at `h`. */
function gapStart(w: string, h: number, min: number): number {
  let g = h;
  while (g > min && h - g < 3 && isGap(w.charCodeAt(g - 1))) g--;
  return g;
}

/** Start of the token before the gap ending at `h`, if there is such a gap and token within the window. */
function previousToken(w: string, h: number, min: number): number | undefined {
  const g = gapStart(w, h, min);
  if (g === h || g === min || isBoundary(w.charCodeAt(g - 1))) return undefined;
  return tokenStart(w, g, min);
}

/** Start of an unfinished PEM marker line (`-----BEGIN PRIVATE KEY-----` arrives in pieces), else the end. */
function pemMarkerStart(w: string, min: number): number {
  const line = Math.max(min, w.lastIndexOf('\n', w.length - 1) + 1);
  const rest = w.length - line;
  const unfinished = rest <= 64 && w.startsWith('-----', line) && (rest <= 10 || !w.endsWith('-----'));
  return unfinished ? line : w.length;
}

/** In JSON text, widens a span so it never starts or ends inside a backslash escape. */
function jsonSafe(w: string, d: Detection): Detection {
  let { start, end } = d;
  const escapedAt = (i: number): boolean => {
    let n = 0;
    while (i - n - 1 >= 0 && w.charCodeAt(i - n - 1) === 92) n++;
    return n % 2 === 1;
  };
  if (start > 0 && escapedAt(start)) start--;
  if (end < w.length && escapedAt(end)) end = Math.min(w.length, end + (w.charCodeAt(end) === 117 /* u */ ? 5 : 1));
  return start === d.start && end === d.end ? d : { ...d, start, end };
}

/** Number of words in the longest denylist term: that many words can form one value. */
function longestDenylistWords(policy: PiiPolicy): number {
  let max = 1;
  for (const term of policy.settings.denylist) max = Math.max(max, term.trim().split(/\s+/).length);
  return max;
}

class StreamScanner implements OutputStreamScanner {
  readonly findings: Finding[];
  readonly #policy: PiiPolicy;
  readonly #options: OutputStreamOptions;
  readonly #vault = new PiiVault();
  readonly #extraWords: number;
  /** Text not yet released. */
  #pending = '';
  /** The end of the released text: left context for the next scan, never emitted again. */
  #context = '';
  /** Characters released so far: the stream offset of `#pending[0]`. */
  #released = 0;
  /** Length of `#pending` after the last scan (for amortized rescans). */
  #heldAfterScan = 0;
  /** The last release cut a value: its rest is redacted as it arrives. */
  #cutOpen = false;

  constructor(policy: PiiPolicy, options: OutputStreamOptions) {
    this.#policy = policy;
    this.#options = options;
    this.findings = options.findings ?? [];
    this.#extraWords = longestDenylistWords(policy) - 1;
  }

  push(text: string): string {
    if (text.length === 0) return '';
    this.#pending += text;
    if (this.#pending.length > MAX_HOLD) return this.#release(false);
    // Without a token boundary the tail just grew: nothing new can be released.
    if (!hasBoundary(text)) return '';
    if (this.#pending.length > RESCAN_FREELY && this.#pending.length < this.#heldAfterScan * 1.25) return '';
    return this.#release(false);
  }

  flush(): string {
    const out = this.#pending.length > 0 ? this.#release(true) : '';
    this.#heldAfterScan = 0;
    return out;
  }

  #release(final: boolean): string {
    const w = this.#context + this.#pending;
    const min = this.#context.length;
    let detections = scanText(w, this.#policy);
    if (this.#options.json) detections = detections.map((d) => jsonSafe(w, d));
    let h = final ? w.length : this.#holdStart(w, min, detections);
    if (!final && w.length - h > MAX_HOLD) h = codePointBoundary(w, w.length - MAX_HOLD / 4);
    const { text, cutOpen } = this.#emit(w, min, h, detections);
    this.#cutOpen = cutOpen;
    this.#released += h - min;
    this.#context = w.slice(Math.max(0, h - CONTEXT), h);
    this.#pending = w.slice(h);
    this.#heldAfterScan = this.#pending.length;
    return text;
  }

  #holdStart(w: string, min: number, detections: readonly Detection[]): number {
    const tokens = Math.min(tokenHoldStart(w, min, this.#extraWords), pemMarkerStart(w, min));
    let h = tokens;
    let trimmedEnd = w.length;
    while (trimmedEnd > min && isSpace(w.charCodeAt(trimmedEnd - 1))) trimmedEnd--;
    // Detections come sorted: walking back, each one reaching the held tail moves its start into it.
    for (let i = detections.length - 1; i >= 0; i--) {
      const d = detections[i]!;
      const growing = d.end >= Math.min(tokens, trimmedEnd) && /\s/.test(w.slice(d.start, d.end));
      if (d.start >= min && d.start < h && (d.end > h || growing)) h = d.start;
    }
    return h;
  }

  /** The released text [min, h) with replacements, recording findings; and whether a value is cut at `h`. */
  #emit(w: string, min: number, h: number, detections: readonly Detection[]): { text: string; cutOpen: boolean } {
    let out = '';
    let cursor = min;
    let cutOpen = false;
    if (this.#cutOpen && !detections.some((d) => d.start < min && d.end > min)) {
      // The rest of a cut value that the recognizers no longer see without its start: it runs to the next token
      // boundary, and its replacement was already sent.
      const end = boundaryAfter(w, min);
      cursor = Math.min(h, end);
      cutOpen = end >= h;
    }
    for (const d of detections) {
      const start = Math.max(d.start, cursor);
      const end = Math.min(d.end, h);
      if (d.end > h && d.start < h) cutOpen = true;
      if (end <= start) continue;
      out += w.slice(cursor, start);
      cursor = end;
      if (d.start < min && this.#cutOpen) continue; // as above, but still recognized
      const whole = d.start >= min && d.end <= h;
      const value = w.slice(start, end);
      const action = whole ? actionFor(this.#policy, d.entity, true) : 'redact';
      out += replacementFor(action, d.entity, value, this.#vault);
      this.#record(d, start, end, action, value);
    }
    return { text: out + w.slice(cursor, h), cutOpen };
  }

  #record(d: Detection, start: number, end: number, action: Finding['action'], value: string): void {
    const o = this.#options;
    const offset = this.#released - this.#context.length + start;
    this.findings.push({
      entity: d.entity,
      action,
      detector: d.detector,
      confidence: d.confidence,
      location: { path: o.path ?? 'output', messageIndex: o.messageIndex, role: o.role, offset, length: end - start },
      fingerprint: fingerprint(this.#policy.fingerprintKey, d.entity, value),
    });
  }
}

/** `i`, or one less when `i` would split a surrogate pair. */
function codePointBoundary(w: string, i: number): number {
  const c = w.charCodeAt(i - 1);
  return c >= 0xd800 && c <= 0xdbff ? i - 1 : i;
}

function boundaryAfter(w: string, from: number): number {
  let i = from;
  while (i < w.length && !isBoundary(w.charCodeAt(i))) i++;
  return i;
}

const passThrough = (findings: Finding[]): OutputStreamScanner => ({ push: (text) => text, flush: () => '', findings });

/** A scanner for one stream of text deltas; a pass-through when the policy does not scan output. */
export function createOutputStreamScanner(policy: PiiPolicy, options: OutputStreamOptions = {}): OutputStreamScanner {
  if (!policy.enabled || !policy.settings.scan_output) return passThrough(options.findings ?? []);
  return new StreamScanner(policy, options);
}
