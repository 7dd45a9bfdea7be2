// The matching view of a string: what the recognizers scan. Lookalike and invisible characters must not hide a
// value from them, so the view is NFKC (fullwidth ４ and ＠, ligatures, circled and superscript digits, no-break
// spaces) with invisible format characters removed (zero-width space/joiners, soft hyphen, bidi controls, BOM,
// variation selectors), decimal digits of every script read as 0-9, every dash as '-', and combining marks on
// ASCII characters dropped (strike-through or underlined digits). Marks on other letters stay: they are
// language, not decoration.
//
// Detections are found in the view and mapped back to the original string, so a replacement covers the whole
// original span, invisible characters inside it included. Text without any such character is its own view: ASCII
// costs one regex scan, other text a table lookup per non-ASCII character.

export interface MatchingView {
  /** The text the recognizers scan. */
  readonly text: string;
  /** Whether `text` differs from the original (offsets then need `toOriginal`). */
  readonly changed: boolean;
  /** The original span [start, end) that produced the view's span [start, end). */
  toOriginal(start: number, end: number): [number, number];
}

const NON_ASCII = /[^\0-\x7f]/g;
/** ASCII characters after which the regex takes over again from the per-character walk. */
const ASCII_RUN = 32;
const IGNORABLE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;
const MARK = /^\p{M}$/u;
const DASH = /^[\p{Pd}\u2212]$/u;
const DIGIT = /^\p{Nd}$/u;

const STABLE = 1;
const FOLDS = 2;
const IS_MARK = 3;
// Per-code-point class, filled lazily: the BMP in a table, other planes in a small map.
const bmpClasses = new Uint8Array(0x10000);
const astralClasses = new Map<number, number>();
const CACHE_LIMIT = 4096;

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (MARK.test(ch)) return IS_MARK;
  return IGNORABLE.test(ch) || DASH.test(ch) || DIGIT.test(ch) || ch.normalize('NFKC') !== ch ? FOLDS : STABLE;
}

function classOf(cp: number): number {
  if (cp < 0x80) return STABLE;
  // A lone surrogate has nothing to normalize; never cached, so the table only ever describes whole characters.
  if (cp >= 0xd800 && cp <= 0xdfff) return STABLE;
  if (cp < 0x10000) {
    let k = bmpClasses[cp]!;
    if (k === 0) bmpClasses[cp] = k = classify(cp);
    return k;
  }
  let k = astralClasses.get(cp);
  if (k === undefined) {
    k = classify(cp);
    if (astralClasses.size >= CACHE_LIMIT) astralClasses.clear();
    astralClasses.set(cp, k);
  }
  return k;
}

/**
 * Index of the next code point at or after `from` that the view changes, or -1. The regex skips ASCII; each
 * non-ASCII stretch (a word of Cyrillic, a paragraph of CJK) is then walked with the class table until ASCII
 * runs long again.
 */
function nextFolding(text: string, from: number): number {
  for (let i = from; i < text.length; ) {
    NON_ASCII.lastIndex = i;
    const m = NON_ASCII.exec(text);
    if (!m) return -1;
    let ascii = 0;
    for (i = m.index; i < text.length && ascii < ASCII_RUN; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        ascii++;
        continue;
      }
      ascii = 0;
      if (bmpClasses[c] === STABLE) continue;
      const cp = text.codePointAt(i)!;
      if (classOf(cp) !== STABLE) return i;
      if (cp > 0xffff) i++;
    }
  }
  return -1;
}

const digitValues = new Map<number, number>();

/**
 * Value of a decimal digit of any script. Unicode encodes each script's digits as one run 0..9 (runs of several
 * sets are multiples of ten), so the value is the distance from the run's start, modulo 10.
 */
function digitValue(cp: number): number {
  let v = digitValues.get(cp);
  if (v === undefined) {
    let start = cp;
    while (cp - start < 100 && DIGIT.test(String.fromCodePoint(start - 1))) start--;
    v = (cp - start) % 10;
    if (digitValues.size >= CACHE_LIMIT) digitValues.clear();
    digitValues.set(cp, v);
  }
  return v;
}

/** Stream-safe limit (UAX #15): longer runs of marks are split, which keeps normalization linear. */
const MAX_MARKS = 30;

const codePointLength = (cp: number): number => (cp > 0xffff ? 2 : 1);

/** End of the unit starting at `start`: one code point and the marks that follow it. */
function unitEnd(text: string, start: number): number {
  let i = start + codePointLength(text.codePointAt(start)!);
  for (let marks = 0; i < text.length && marks < MAX_MARKS; marks++) {
    const cp = text.codePointAt(i)!;
    if (cp < 0x300 || classOf(cp) !== IS_MARK) break;
    i += codePointLength(cp);
  }
  return i;
}

/** Start of the code point that ends at `end`. */
function codePointStartBefore(text: string, end: number): number {
  const low = text.charCodeAt(end - 1);
  const high = end >= 2 ? text.charCodeAt(end - 2) : 0;
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? end - 2 : end - 1;
}

/** The view of one unit. `afterAscii`: the view so far ends in an ASCII character (or is empty). */
function foldUnit(unit: string, afterAscii: boolean): string {
  let out = '';
  let lastAscii = afterAscii;
  for (const ch of unit.normalize('NFKC')) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      out += ch;
      lastAscii = true;
    } else if (IGNORABLE.test(ch)) {
      continue;
    } else if (MARK.test(ch)) {
      if (!lastAscii) out += ch;
    } else if (DASH.test(ch)) {
      out += '-';
      lastAscii = true;
    } else if (DIGIT.test(ch)) {
      out += String(digitValue(cp));
      lastAscii = true;
    } else {
      out += ch;
      lastAscii = false;
    }
  }
  return out;
}

const singleFolds = new Map<string, string>();

/** `foldUnit`, memoized for the common case: one code point without marks, whose view needs no context. */
function foldUnitCached(unit: string, afterAscii: boolean): string {
  if (unit.length > 2 || classOf(unit.codePointAt(0)!) === IS_MARK) return foldUnit(unit, afterAscii);
  let folded = singleFolds.get(unit);
  if (folded === undefined) {
    folded = foldUnit(unit, true);
    if (singleFolds.size >= CACHE_LIMIT) singleFolds.clear();
    singleFolds.set(unit, folded);
  }
  return folded;
}

const IDENTITY = (start: number, end: number): [number, number] => [start, end];

/**
 * Segments of the view, in order: an identity stretch maps index by index, a folded unit maps as a whole (any
 * part of its view stands for the whole original unit). Units folded to nothing have no segment.
 */
class OffsetMap {
  readonly viewStarts: number[] = [];
  readonly origStarts: number[] = [];
  readonly origEnds: number[] = [];
  readonly identity: boolean[] = [];

  add(viewStart: number, origStart: number, origEnd: number, identity: boolean): void {
    this.viewStarts.push(viewStart);
    this.origStarts.push(origStart);
    this.origEnds.push(origEnd);
    this.identity.push(identity);
  }

  /** Index of the segment holding view index `i` (segments are sorted by view start). */
  #segment(i: number): number {
    let lo = 0;
    let hi = this.viewStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.viewStarts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  toOriginal(start: number, end: number): [number, number] {
    const a = this.#segment(start);
    const b = this.#segment(end - 1);
    const origStart = this.identity[a] ? this.origStarts[a]! + start - this.viewStarts[a]! : this.origStarts[a]!;
    const origEnd = this.identity[b] ? this.origStarts[b]! + end - this.viewStarts[b]! : this.origEnds[b]!;
    return [origStart, origEnd];
  }
}

export function matchingView(text: string): MatchingView {
  let at = nextFolding(text, 0);
  if (at === -1) return { text, changed: false, toOriginal: IDENTITY };
  const map = new OffsetMap();
  let view = '';
  let copied = 0;
  // Tracked, not read back from `view`: indexing a string being built by concatenation flattens it each time.
  let endsAscii = true;
  const copyUpTo = (end: number) => {
    if (end <= copied) return;
    map.add(view.length, copied, end, true);
    view += text.slice(copied, end);
    endsAscii = text.charCodeAt(end - 1) < 0x80;
  };
  while (at !== -1) {
    // A mark composes with the character before it (e + ◌́ → é): fold them together.
    const start = classOf(text.codePointAt(at)!) === IS_MARK && at > copied ? codePointStartBefore(text, at) : at;
    copyUpTo(start);
    const end = unitEnd(text, start);
    const folded = foldUnitCached(text.slice(start, end), endsAscii);
    if (folded.length > 0) {
      map.add(view.length, start, end, false);
      view += folded;
      endsAscii = folded.charCodeAt(folded.length - 1) < 0x80;
    }
    copied = end;
    at = nextFolding(text, end);
  }
  copyUpTo(text.length);
  if (view === text) return { text, changed: false, toOriginal: IDENTITY };
  return { text: view, changed: true, toOriginal: (start, end) => map.toOriginal(start, end) };
}

/** The matching view of a value alone: what fingerprints, masks and allow/deny lists compare. */
export function foldForMatching(value: string): string {
  return matchingView(value).text;
}
