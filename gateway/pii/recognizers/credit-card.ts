// CREDIT_CARD: 12..19 digits, optionally grouped by single spaces, dashes or dots the way cards are printed, that pass
// the Luhn checksum and start with an issuer prefix (IIN) of a known brand with a length that brand issues. Right
// after a card cue ("card number:", "Kartennummer", "numéro de carte", "PAN"), any Luhn-valid 13..19-digit number
// counts: regional schemes (Troy, Verve, Elo, UATP, Humo, Uzcard, Dankort …) use prefixes no brand table lists,
// and gift and store cards are printed in groupings of their own. A table column named like a card is a cue too.
import { lineBefore } from '../text-utils.ts';
import type { Detection, Recognizer } from '../types.ts';
import { eachMatch, type OnMatch } from './each-match.ts';
import { columnHeader } from './table-columns.ts';

// A digit, then 11..18 more each optionally preceded by one separator: no nested ambiguity, bounded length. (Dots
// count only in fours, "4796.8795.7589.0931", checked below: dotted numbers are mostly versions and addresses.)
// A comma before or after is fine (CSV fields) unless it makes a thousands group (1,234…, …,567; not …,272.30, a next field).
const CANDIDATE = /(?<![\d.-]|(?<![\d,])\d{1,3},)\d(?:[ .-]?\d){11,18}(?!\d|\.\d|-\d|,\d{3}(?![\d.]))/g;
const SEPARATORS = /[ .-]/g;
const CARD_CUE =
  /(?:card|visa|master|amex|american express|discover|diners|jcb|maestro|karte|carte|tarjeta|carta|cart[ãa]o|kart|kort|karta|карт|カード|卡|\bcc\b|\bpan\b|cvv|zahlung|payment|paiement|pago|charge)/;
// Another number's name right before the digits, or a word or two back ("order #", "invoice number:", "tracking
// id is"); further back it names something else ("test order placed with 4539…", "refund to …").
const NOT_CARD_CUE =
  /(?:order|invoice|rechnung|bestell|tracking|sendung|ticket|\bref\b|reference|account|konto|serial|isbn|\bsku|imei|\bid\b)\w*(?:[ \t]*(?:#|no\.?|nr\.?|number|num|nummer|id|ref|code|is|was|:|=)){0,2}[ \t]*$/;
/** "#", "no.", "nr." name some number; only a card cue makes it a card number ("card no. …"). */
const NUMBER_SIGN = /(?:#|\bnr\.?|\bno\.?)\s*$/;

/** Luhn (mod 10) checksum over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Brand of a card number by issuer prefix and length, or undefined when no brand issues such a number. */
export function cardBrand(d: string): string | undefined {
  const len = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4') return len === 13 || len === 16 || len === 19 ? 'visa' : undefined;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return len === 16 ? 'mastercard' : undefined;
  if (p2 === 34 || p2 === 37) return len === 15 ? 'amex' : undefined;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) return len >= 16 && len <= 19 ? 'discover' : undefined;
  if (p4 >= 3528 && p4 <= 3589) return len >= 16 && len <= 19 ? 'jcb' : undefined;
  if ((p3 >= 300 && p3 <= 305) || p3 === 309 || p2 === 36 || p2 === 38 || p2 === 39) return len >= 14 && len <= 19 ? 'diners' : undefined;
  if (p2 === 62) return len >= 16 && len <= 19 ? 'unionpay' : undefined;
  if (p4 >= 2200 && p4 <= 2204) return len === 16 ? 'mir' : undefined;
  if ([5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(p4)) return len >= 12 && len <= 19 ? 'maestro' : undefined;
  return undefined;
}

/** Cards are printed ungrouped, in fours (last group shorter), or 4-6-5 / 4-6-4 (Amex, Diners). */
function isCardGrouping(raw: string): boolean {
  // One pass, no allocation: this runs for every long digit run in the text.
  let sep = 0;
  let groups = 0;
  let run = 0;
  let g0 = 0;
  let g1 = 0;
  let allFours = true;
  for (let i = 0; i <= raw.length; i++) {
    const c = i < raw.length ? raw.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) {
      run++;
      continue;
    }
    if (c !== -1) {
      if (sep === 0) sep = c;
      else if (c !== sep) return false;
    }
    if (groups === 0) g0 = run;
    else if (groups === 1) g1 = run;
    groups++;
    if (c !== -1 && run !== 4) allFours = false;
    if (c === -1 && run > 4) allFours = false;
    run = 0;
  }
  if (sep === 0) return true;
  if (groups === 3 && g0 === 4 && g1 === 6) return true; // 4-6-5 / 4-6-4
  return allFours && groups >= 3;
}

/** A grouped number followed by a short group of its own ("4111 1111 1111 1111 09/26": the expiry month, a CVV). */
const TRAILING_SHORT_GROUP = /[ -]\d{1,4}$/;

const judgeCandidate: OnMatch = (m, text, scan, out) => {
  let raw = m[0];
  if (raw.includes('.') && !isCardGrouping(raw)) return;
  let digits = raw.length > 19 || raw.includes(' ') || raw.includes('-') || raw.includes('.') ? raw.replace(SEPARATORS, '') : raw;
  if (!luhnValid(digits)) {
    const shorter = TRAILING_SHORT_GROUP.test(raw) ? raw.replace(TRAILING_SHORT_GROUP, '') : '';
    if (!shorter || !isCardGrouping(shorter)) return;
    digits = shorter.replace(SEPARATORS, '');
    if (!cardBrand(digits) || !luhnValid(digits)) return;
    raw = shorter;
  }
  const printed = isCardGrouping(raw);
  const before = lineBefore(text, m.index, 40);
  const cue = CARD_CUE.test(before) || (raw.length === digits.length && CARD_CUE.test(columnHeader(text, m.index, scan) ?? ''));
  const cueOnly = cue && digits.length >= 13 && !NOT_CARD_CUE.test(before);
  if (!printed && !cueOnly) return;
  if (!cardBrand(digits) && !cueOnly) return;
  // A Luhn-valid number right after "Order #" is one in ten order numbers, not a card.
  const confidence = cue ? 0.99 : NOT_CARD_CUE.test(before) || NUMBER_SIGN.test(before) ? 0.3 : raw.length > digits.length ? 0.95 : 0.9;
  out.push({ entity: 'CREDIT_CARD', start: m.index, end: m.index + raw.length, confidence, detector: 'credit_card.luhn' });
};

/**
 * A number that is a whole field of a comma-separated row (an export: "…,+7 495 …,4947690456236633,129.90"),
 * ungrouped or grouped the way cards are printed, with a brand's prefix and length: the row's other fields neither
 * cue nor veto it, and the field before may end in digits that CANDIDATE reads as a thousands group.
 */
function csvFieldCards(text: string, out: Detection[]): void {
  // (from each comma, not a lookbehind regex: that one is tried at every character of every prompt)
  for (let comma = text.indexOf(','); comma !== -1; comma = text.indexOf(',', comma + 1)) {
    let end = comma + 1;
    let separators = 0;
    for (let c = text.charCodeAt(end); end < text.length && end - comma <= 24; c = text.charCodeAt(++end)) {
      if (c === 32 || c === 45) separators++;
      else if (c < 48 || c > 57) break;
    }
    const length = end - comma - 1 - separators;
    if (length < 13 || length > 19) continue;
    const next = text[end];
    if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && (text[end + 1] === undefined || text[end + 1] === '\n'))) continue;
    const raw = text.slice(comma + 1, end);
    const digits = separators > 0 ? raw.replace(SEPARATORS, '') : raw;
    if ((separators === 0 || isCardGrouping(raw)) && cardBrand(digits) && luhnValid(digits)) out.push({ entity: 'CREDIT_CARD', start: comma + 1, end, confidence: 0.9, detector: 'credit_card.csv_field' });
  }
}

export const creditCardRecognizer: Recognizer = {
  name: 'credit_card',
  entities: ['CREDIT_CARD'],
  detect(text, scan, out) {
    eachMatch(CANDIDATE, text, scan, out, judgeCandidate);
    csvFieldCards(text, out);
  },
};
