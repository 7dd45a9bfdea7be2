// PHONE_NUMBER: a cheap regex pre-scan finds digit groups shaped like phone numbers; cheap shape rules drop dates,
// prices, versions, IPs, SSNs and card numbers; only the survivors are validated with libphonenumber-js (max
// metadata: real number plans, not just lengths), which is the slow part (~20 µs per call).
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Detection, Recognizer, ScanContext } from '../types.ts';
import { isDigit, lineAfter, lineBefore } from '../text-utils.ts';
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

interface Shape {
  digits: string;
  groups: number[];
  seps: string;
  international: boolean;
}

function shapeOf(raw: string): Shape {
  let digits = '';
  const groups: number[] = [];
  let seps = '';
  let run = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (isDigit(c)) {
      digits += raw[i];
      run++;
    } else {
      if (run > 0) groups.push(run);
      run = 0;
      if (c !== 43 /* + */ && !seps.includes(raw[i] ?? '')) seps += raw[i];
    }
  }
  if (run > 0) groups.push(run);
  const international = raw.charCodeAt(0) === 43 || digits.startsWith('00');
  return { digits, groups, seps, international };
}

/** Shapes that are something else: dates, IPs/versions, thousands-grouped amounts, SSNs, card numbers. */
function isOtherNumberShape(s: Shape): boolean {
  const g = s.groups;
  if (s.seps === '.' && g.length === 4 && g.every((n) => n <= 3)) return true; // 192.168.1.10 / 1.2.3.4
  if (g.length === 3 && (s.seps === '-' || s.seps === '.' || s.seps === '/')) {
    const [a = 0, b = 0, c = 0] = g;
    if ((a === 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && (c === 4 || c === 2))) return true; // dates
    if (a === 3 && b === 2 && c === 4 && s.seps === '-') return true; // US SSN
  }
  if (s.seps === '.' && !s.international && s.digits[0] !== '0' && (g[0] ?? 0) <= 3 && g.slice(1).every((n) => n === 3)) return true; // 1.234.567
  if (s.digits.length >= 13 && !s.international && g.slice(0, -1).every((n) => n === 4)) return true; // 4111 1111 1111 1111
  return false;
}

/** National formats that are phone-like on their own (no cue needed). */
function isNationalPhoneShape(raw: string, s: Shape): boolean {
  const g = s.groups.join('-');
  if (raw.charCodeAt(0) === 40 /* ( */) return true;
  if (s.digits[0] === '0' && s.digits[1] !== '0') return s.digits.length >= 9 && (s.groups.length > 1 || s.digits.length <= 12);
  if (g === '3-3-4' || g === '1-3-3-4') return true; // NANP
  if (g === '3-3-3' || g === '3-2-2-2') return /^[6-9]/.test(s.digits) && !/[./]/.test(s.seps); // ES mobiles/landlines
  return false;
}

function validate(number: string, region: CountryCode | undefined, ctx: ScanContext): boolean {
  const key = region === undefined ? number : `${region}|${number}`;
  const memo = ctx.phoneVerdicts.get(key);
  if (memo !== undefined) return memo;
  const ok = cachedPhoneVerdict(number, region, () => {
    try {
      return parsePhoneNumberFromString(number, region)?.isValid() ?? false;
    } catch {
      return false;
    }
  });
  ctx.phoneVerdicts.set(key, ok);
  return ok;
}

/** Returns a confidence when `raw` is a valid phone number, 0 otherwise. */
function scoreCandidate(text: string, start: number, raw: string, ctx: ScanContext): number {
  // "+49 (0)89 …": the bracketed trunk zero is dropped when dialling internationally.
  const s = shapeOf(raw.includes('(0)') ? raw.replace('(0)', '') : raw);
  const n = s.digits.length;
  if (isOtherNumberShape(s)) return 0;
  if (s.international) {
    if (n < 8 || n > 17) return 0;
    // libphonenumber is ~30 % faster on the compact E.164-like form than on the formatted one.
    return validate(`+${s.digits.startsWith('00') ? s.digits.slice(2) : s.digits}`, undefined, ctx) ? 0.95 : 0;
  }
  if (n < 7 || n > 12) return 0;
  const strongShape = isNationalPhoneShape(raw, s);
  const before = lineBefore(text, start, 32);
  // "Bestellnummer", "order no." … win over the generic "nummer"/"no." cue words.
  if (NOT_PHONE_CUE.test(before)) return 0;
  const cue = PHONE_CUE.test(before);
  if (!strongShape && !cue) return 0;
  if (UNIT_AFTER.test(lineAfter(text, start + raw.length, 8))) return 0;
  const nanp = /^1?[2-9]\d{2}[2-9]\d{6}$/.test(s.digits);
  const regions = nanp ? [...NANP_REGIONS, ...ctx.phoneRegions] : ctx.phoneRegions;
  for (const region of regions) {
    if (s.digits[0] === '0' && (region === 'US' || region === 'CA')) continue; // NANP has no trunk '0'
    if (validate(s.digits, region as CountryCode, ctx)) return cue ? 0.9 : strongShape ? 0.85 : 0.75;
  }
  return 0;
}

/** Digits in a candidate, cheaply (for the "two numbers glued together" retry). */
function digitCount(raw: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) if (isDigit(raw.charCodeAt(i))) n++;
  return n;
}

export const phoneRecognizer: Recognizer = {
  name: 'phone',
  entities: ['PHONE_NUMBER'],
  detect(text: string, ctx: ScanContext, out: Detection[]): void {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
      const start = m.index;
      let raw = m[0];
      // Two numbers separated by a space can be read as one candidate ("0151 23456789 0160 9876543"): when
      // there are too many digits for one number, drop whole space-separated groups from the end.
      for (let tries = 0; tries < 4 && digitCount(raw) > (raw.charCodeAt(0) === 43 || raw.startsWith('00') ? 17 : 12); tries++) {
        const cut = raw.lastIndexOf(' ');
        if (cut <= 0) break;
        raw = raw.slice(0, cut).replace(/[ ()./\u00a0-]+$/, '');
      }
      const confidence = scoreCandidate(text, start, raw, ctx);
      if (confidence > 0) {
        out.push({ entity: 'PHONE_NUMBER', start, end: start + raw.length, confidence, detector: 'phone' });
        CANDIDATE.lastIndex = start + raw.length;
      }
    }
  },
};
