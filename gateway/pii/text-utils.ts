// Small, allocation-light helpers shared by the recognizers.

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isUpper = (c: number): boolean => c >= 65 && c <= 90;
export const isLower = (c: number): boolean => c >= 97 && c <= 122;
export const isAsciiLetter = (c: number): boolean => isUpper(c) || isLower(c);
export const isAlnum = (c: number): boolean => isDigit(c) || isAsciiLetter(c);
/** Letters incl. non-ASCII ones (é, ß, ñ …): a word continues through them. */
export const isWordChar = (c: number): boolean => isAlnum(c) || c === 95 || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000);

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Character classes present in a string: lower, upper, digit, other. */
export function charClasses(s: string): { lower: boolean; upper: boolean; digit: boolean; other: boolean } {
  let lower = false;
  let upper = false;
  let digit = false;
  let other = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isLower(c)) lower = true;
    else if (isUpper(c)) upper = true;
    else if (isDigit(c)) digit = true;
    else other = true;
  }
  return { lower, upper, digit, other };
}

/** Digits of a string, separators dropped. */
export function digitsOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) out += s[i];
  }
  return out;
}

/** The `n` characters before `index`, lower-cased, cut at the previous line break (context stays on one line). */
export function lineBefore(text: string, index: number, n: number): string {
  // Slice first: an unbounded lastIndexOf would rescan the whole text for every candidate (quadratic).
  const window = text.slice(Math.max(0, index - n), index);
  const nl = window.lastIndexOf('\n');
  return (nl === -1 ? window : window.slice(nl + 1)).toLowerCase();
}

/** Index of the first line break at or after `from`, looking at most `max` characters ahead, or -1 (bounded: linear per call). */
export function lineBreakWithin(text: string, from: number, max: number): number {
  const end = Math.min(text.length, from + max);
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === 10) return i;
  return -1;
}

/** [start, end) of the line around `at`, each edge at most `max` characters away from it. */
export function lineAround(text: string, at: number, max: number): [number, number] {
  let start = at;
  while (start > 0 && at - start < max && text.charCodeAt(start - 1) !== 10) start--;
  const end = lineBreakWithin(text, at, max);
  return [start, end === -1 ? Math.min(text.length, at + max) : end];
}

/** The `n` characters after `index`, lower-cased, cut at the next line break. */
export function lineAfter(text: string, index: number, n: number): string {
  const window = text.slice(index, index + n);
  const nl = window.indexOf('\n');
  return (nl === -1 ? window : window.slice(0, nl)).toLowerCase();
}

const PLACEHOLDER_WORDS =
  /x{4,}|\*{3,}|\.{3}|…|your|example|placeholder|dummy|redacted|sample|changeme|replace|insert|here|<|>|\{\{|\$\{|fake|foobar|abcdefgh|12345678|01234567/i;

/** Values that look like documentation placeholders rather than real secrets (`sk-xxxx`, `<your-api-key>`). */
export function looksLikePlaceholder(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value)) return true;
  // Long runs of one character ("aaaaaaaa", "00000000") are fillers, not random secrets.
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    run = value.charCodeAt(i) === value.charCodeAt(i - 1) ? run + 1 : 1;
    if (run >= 6) return true;
  }
  return false;
}

/** Entropy gate for generic values: random-looking, with letters and digits. */
export function looksRandom(value: string): boolean {
  const cls = charClasses(value);
  if (!(cls.digit && (cls.lower || cls.upper))) return false;
  const h = shannonEntropy(value);
  // Hex has only 16 symbols (at most 4 bits/char); random hex of 32+ chars sits around 3.6-3.9.
  if (value.length >= 32 && /^[0-9a-fA-F]+$/.test(value)) return h >= 3.0;
  return value.length >= 24 ? h >= 3.5 : h >= 3.2;
}
