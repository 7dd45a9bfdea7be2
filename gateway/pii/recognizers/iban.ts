// IBAN_CODE: country code + 2 check digits + BBAN of the exact length that country uses, printed compact or in
// groups of four (spaces or dashes), validated with the ISO 7064 mod-97 checksum. Lower-case IBANs (typed on a
// phone) count after an "IBAN" cue.
import type { Detection, Recognizer, ScanState } from '../types.ts';
import { isAlnum, isDigit, isLower, isUpper, lineBefore } from '../text-utils.ts';
import { cueHits } from './cues.ts';
import { eachMatch } from './each-match.ts';

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

// Only the fixed-length head is matched by regex; the body is read by hand against the country's length.
const HEAD = /(?<![A-Za-z0-9])([A-Z]{2})(\d{2})(?=[ -]?[A-Z0-9])/g;
/** Lower-case heads, looked for only in text that names an IBAN. */
const LOWER_HEAD = /(?<![A-Za-z0-9])([a-z]{2})(\d{2})(?=[ -]?[a-z0-9])/g;
const IBAN_CUE = /iban/i;

/** ISO 7064 MOD 97-10 over a compact IBAN (country + check digits moved to the end, letters as 10..35). */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length && rem >= 0; i++) rem = mod97Step(rem, rearranged.charCodeAt(i));
  return rem === 1;
}

/** Folds one IBAN character into a running mod-97 remainder (-1: not a digit or capital letter). */
function mod97Step(rem: number, c: number): number {
  if (isDigit(c)) return (rem * 10 + (c - 48)) % 97;
  if (isUpper(c)) return (rem * 100 + (c - 55)) % 97;
  return -1;
}

/** An IBAN character of the case the IBAN started in, as its upper-case code (0: not one). */
function ibanChar(c: number, lower: boolean): number {
  if (isDigit(c)) return c;
  if (lower) return isLower(c) ? c - 32 : 0;
  return isUpper(c) ? c : 0;
}

function detectIban(m: RegExpExecArray, text: string, _scan: ScanState, out: Detection[]): void {
  const country = m[1] ?? '';
  const lower = isLower(country.charCodeAt(0));
  const length = IBAN_LENGTHS[lower ? country.toUpperCase() : country];
  if (length === undefined || (lower && !IBAN_CUE.test(lineBefore(text, m.index, 24)))) return;
  // Consume BBAN characters, skipping single separators (all spaces or all dashes) between them, until the
  // country's length is reached. The checksum is folded in as they are read (no string is built): BBAN first,
  // country + check digits last.
  let count = 4;
  let rem = 0;
  let i = m.index + 4;
  let separator = 0;
  while (count < length && i < text.length) {
    let c = text.charCodeAt(i);
    if ((c === 32 || c === 45) && (separator === 0 || c === separator) && i + 1 < text.length) {
      separator = c;
      c = text.charCodeAt(i + 1);
      if (ibanChar(c, lower) === 0) break;
      i++;
    }
    c = ibanChar(c, lower);
    if (c === 0) break;
    rem = mod97Step(rem, c);
    count++;
    i++;
  }
  if (count !== length || (i < text.length && isAlnum(text.charCodeAt(i)))) return;
  for (let h = m.index; h < m.index + 4; h++) rem = mod97Step(rem, ibanChar(text.charCodeAt(h), lower));
  if (rem !== 1) return;
  out.push({ entity: 'IBAN_CODE', start: m.index, end: i, confidence: 0.95, detector: 'iban.mod97' });
  (lower ? LOWER_HEAD : HEAD).lastIndex = i;
}

export const ibanRecognizer: Recognizer = {
  name: 'iban',
  entities: ['IBAN_CODE'],
  detect(text: string, scan: ScanState, out: Detection[]): void {
    eachMatch(HEAD, text, scan, out, detectIban);
    if (cueHits(text, scan).iban.length > 0) eachMatch(LOWER_HEAD, text, scan, out, detectIban);
  },
};
