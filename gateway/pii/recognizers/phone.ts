// PHONE_NUMBER: a cheap regex pre-scan finds digit groups shaped like phone numbers; cheap shape rules drop dates,
// prices, versions, IPs, SSNs and card numbers; only the survivors are validated with libphonenumber-js (max
// metadata: real number plans, not just lengths), which is the slow part (bench/micro.ts).
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { ScanState } from '../types.ts';
import { isDigit, lineAfter, lineBefore } from '../text-utils.ts';
import { matchRecognizer } from './each-match.ts';
import { cachedPhoneVerdict } from './phone-verdicts.ts';

// Optional '+', optional '(', then 7..24 chars of digits and separators, ending in a digit. Bounded repetition and
// a lookbehind that only lets a candidate start at the beginning of a number keep this linear.
const CANDIDATE = /(?<![\w+./(-])(?:\+ ?)?\(?\d[\d ()./\u00a0-]{5,22}\d(?!\w|[./-]\d)/g;

const PHONE_CUE =
  /(?:phone|tel\b|tel\.|tél|mobile?|cell|call|fax|whatsapp|sms|text me|reach|contact|dial|ruf|handy|telefon|numéro|portable|appel|teléfono|telefono|móvil|movil|llam|cellulare|chiam|contato|celular|bel |nummer|hotline|support line)/;
const NOT_PHONE_CUE =
  /(?:order|invoice|rechnung|bestell|tracking|sendung|ticket|\bref|iban|account|konto|kundennummer|kundennr|customer id|serial|isbn|\bzip|\bplz|\bid\b|#\s*$|\bsku|\bpart\b|version|\bv$|\blot\b|\bbatch|\bcase\b)/;
const UNIT_AFTER = /^\s?(?:€|\$|£|eur|usd|gbp|chf|km|kg|mb|gb|ms|tokens|users|requests|rows|bytes)/;

const NANP_REGIONS: readonly CountryCode[] = ['US', 'CA'];
const NANP = /^1?[2-9]\d{2}[2-9]\d{6}$/;
const NON_DIGITS = /\D/g;
const TRAILING_SEPARATORS = /[ ()./\u00a0-]+$/;

// Separator kinds in a candidate, as bits: most candidates are dates, versions and amounts, and their shape is
// read in one pass without building strings (the digit string is only made for the few that reach validation).
const SPACE = 1;
const DASH = 2;
const DOT = 4;
const SLASH = 8;
const OTHER_SEP = 16; // ( ) and no-break space

interface Shape {
  /** Number of digits. */
  n: number;
  /** Lengths of the runs of digits, in order. */
  groups: number[];
  /** Separators present (bits above); the '+' of an international prefix is not one. */
  seps: number;
  /** First two digits, as char codes. */
  d0: number;
  d1: number;
  international: boolean;
}

/** Shape of `raw`, reading it as if the first "(0)" (a bracketed trunk zero) were not there. */
function shapeOf(raw: string): Shape {
  const trunk = raw.indexOf('(0)');
  const groups: number[] = [];
  let n = 0;
  let seps = 0;
  let d0 = 0;
  let d1 = 0;
  let run = 0;
  for (let i = 0; i < raw.length; i++) {
    if (i === trunk) {
      i += 2;
      continue;
    }
    const c = raw.charCodeAt(i);
    if (isDigit(c)) {
      if (n === 0) d0 = c;
      else if (n === 1) d1 = c;
      n++;
      run++;
      continue;
    }
    if (run > 0) groups.push(run);
    run = 0;
    if (c === 32) seps |= SPACE;
    else if (c === 45) seps |= DASH;
    else if (c === 46) seps |= DOT;
    else if (c === 47) seps |= SLASH;
    else if (c !== 43 /* + */) seps |= OTHER_SEP;
  }
  if (run > 0) groups.push(run);
  const international = raw.charCodeAt(0) === 43 || (d0 === 48 && d1 === 48);
  return { n, groups, seps, d0, d1, international };
}

/** Whether groups[from..to) all have length `len`. */
function allGroups(g: readonly number[], from: number, to: number, len: number): boolean {
  for (let i = from; i < to; i++) if (g[i] !== len) return false;
  return true;
}

/** Shapes that are something else: dates, IPs/versions, thousands-grouped amounts, SSNs, card numbers. */
function isOtherNumberShape(s: Shape): boolean {
  const g = s.groups;
  if (s.seps === DOT && g.length === 4 && g.every((n) => n <= 3)) return true; // 192.168.1.10 / 1.2.3.4
  if (g.length === 3 && (s.seps === DASH || s.seps === DOT || s.seps === SLASH)) {
    const [a = 0, b = 0, c = 0] = g;
    if ((a === 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && (c === 4 || c === 2))) return true; // dates
    if (a === 3 && b === 2 && c === 4 && s.seps === DASH) return true; // US SSN
  }
  if (s.seps === DOT && !s.international && s.d0 !== 48 && (g[0] ?? 0) <= 3 && allGroups(g, 1, g.length, 3)) return true; // 1.234.567
  if (s.n >= 13 && !s.international && allGroups(g, 0, g.length - 1, 4)) return true; // 4111 1111 1111 1111
  return false;
}

const groupsAre = (g: readonly number[], ...lengths: number[]): boolean => g.length === lengths.length && lengths.every((n, i) => g[i] === n);

/** National formats that are phone-like on their own (no cue needed). */
function isNationalPhoneShape(raw: string, s: Shape): boolean {
  const g = s.groups;
  if (raw.charCodeAt(0) === 40 /* ( */) return true;
  if (s.d0 === 48 && s.d1 !== 48) return s.n >= 9 && (g.length > 1 || s.n <= 12);
  if (groupsAre(g, 3, 3, 4) || groupsAre(g, 1, 3, 3, 4)) return true; // NANP
  if (groupsAre(g, 3, 3, 3) || groupsAre(g, 3, 2, 2, 2)) return s.d0 >= 54 /* 6-9 */ && (s.seps & (DOT | SLASH)) === 0; // ES mobiles/landlines
  return false;
}

function validate(number: string, region: CountryCode | undefined, scan: ScanState): boolean {
  const key = region === undefined ? number : `${region}|${number}`;
  const memo = scan.phoneVerdicts.get(key);
  if (memo !== undefined) return memo;
  const ok = cachedPhoneVerdict(number, region, () => {
    try {
      return parsePhoneNumberFromString(number, region)?.isValid() ?? false;
    } catch {
      return false;
    }
  });
  scan.phoneVerdicts.set(key, ok);
  return ok;
}

/** Returns a confidence when `raw` is a valid phone number, 0 otherwise. */
function scoreCandidate(text: string, start: number, raw: string, scan: ScanState): number {
  const s = shapeOf(raw);
  const n = s.n;
  if (isOtherNumberShape(s)) return 0;
  if (s.international) {
    if (n < 8 || n > 17) return 0;
    // libphonenumber is ~30 % faster on the compact E.164-like form than on the formatted one.
    const digits = digitString(raw);
    return validate(`+${s.d0 === 48 && s.d1 === 48 ? digits.slice(2) : digits}`, undefined, scan) ? 0.95 : 0;
  }
  if (n < 7 || n > 12) return 0;
  const strongShape = isNationalPhoneShape(raw, s);
  const before = lineBefore(text, start, 32);
  const cue = PHONE_CUE.test(before);
  if (!strongShape && !cue) return 0;
  // "Bestellnummer", "order no." … win over the generic "nummer"/"no." cue words.
  if (NOT_PHONE_CUE.test(before)) return 0;
  if (UNIT_AFTER.test(lineAfter(text, start + raw.length, 8))) return 0;
  const digits = digitString(raw);
  const regions = NANP.test(digits) ? [...NANP_REGIONS, ...scan.phoneRegions] : scan.phoneRegions;
  for (const region of regions) {
    if (s.d0 === 48 && (region === 'US' || region === 'CA')) continue; // NANP has no trunk '0'
    if (validate(digits, region as CountryCode, scan)) return cue ? 0.9 : strongShape ? 0.85 : 0.75;
  }
  return 0;
}

/** The digits of a candidate, without a bracketed trunk zero ("+49 (0)89 …" dials as +4989…). */
function digitString(raw: string): string {
  return raw.replace('(0)', '').replace(NON_DIGITS, '');
}

/** Digits in a candidate, cheaply (for the "two numbers glued together" retry). */
function digitCount(raw: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) if (isDigit(raw.charCodeAt(i))) n++;
  return n;
}

export const phoneRecognizer = matchRecognizer('phone', 'PHONE_NUMBER', CANDIDATE, (m, text, scan, out) => {
  const start = m.index;
  let raw = m[0];
  // Two numbers separated by a space can be read as one candidate ("0151 23456789 0160 9876543"): when
  // there are too many digits for one number, drop whole space-separated groups from the end.
  for (let tries = 0; tries < 4 && digitCount(raw) > (raw.charCodeAt(0) === 43 || raw.startsWith('00') ? 17 : 12); tries++) {
    const cut = raw.lastIndexOf(' ');
    if (cut <= 0) break;
    raw = raw.slice(0, cut).replace(TRAILING_SEPARATORS, '');
  }
  const confidence = scoreCandidate(text, start, raw, scan);
  if (confidence > 0) {
    out.push({ entity: 'PHONE_NUMBER', start, end: start + raw.length, confidence, detector: 'phone' });
    CANDIDATE.lastIndex = start + raw.length;
  }
});
