// PHONE_NUMBER: a cheap regex pre-scan finds digit groups shaped like phone numbers; cheap shape rules drop dates,
// prices, versions, IPs, SSNs and card numbers; only the survivors are validated with libphonenumber-js (max
// metadata: real number plans, not just lengths), which is the slow part (bench/micro.ts). After a phone cue
// ("call", "Tel.", "手机", "номер" …) a number only has to be possible (right length for its country): ranges that
// are unassigned or reserved for fiction (UK 07700 900xxx) are still somebody's way of writing a phone number.
// An extension written after the number (x123, ext. 45, #204) is part of it.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { ScanState } from '../types.ts';
import { isDigit, lineAfter, lineBefore } from '../text-utils.ts';
import { matchRecognizer } from './each-match.ts';
import { cachedPhoneVerdict } from './phone-verdicts.ts';
import { columnHeader } from './table-columns.ts';

// Optional '+', optional '(', then 7..24 chars of digits and separators, ending in a digit. Bounded repetition and
// a lookbehind that only lets a candidate start at the beginning of a number keep this linear.
// It may end right before an extension glued on as `x123`, not inside a longer identifier (2024/118/AB).
const CANDIDATE = /(?<![\w+./(-])(?:\+ ?|\((?=\())?\(?\d[\d ()./\u00a0-]{5,22}\d(?![A-WYZa-wyz0-9_]|[xX](?!\d)|[./-]\w)/g;
const EXTENSION_START = 'xepd#д;,';
// (RFC 3966 writes the extension as `;ext=942`.)
const EXTENSION = /,?[ \t]?(?:x|ext\.?|extn\.?|extension|poste|durchwahl|доб\.?)[ \t]?\d{1,6}(?!\w)|;ext=\d{1,6}(?!\w)|[ \t]#[ \t]?\d{1,6}(?![\w-]|[.,]\d)/iy;
const MEXICAN_MOBILE_PREFIX = /^\+521(?=\d{10}$)/;
// A national number opened by a trunk digit before a bracketed area code ("8 (495) 123-45-67", "0 (212) 555 12 34"),
// or in the Russian grouping 8 495 123-45-67: the plans that write them so, tried besides the configured regions.
const TRUNK_AREA = /^([08])[ -]?\(\d{2,5}\)/;
const TRUNK_REGIONS: Readonly<Record<string, readonly CountryCode[]>> = { '8': ['RU', 'KZ', 'BY'], '0': ['TR', 'UA'] };
/** E.164 written compactly after a phone cue ("WhatsApp +4915112345678"), in a range no plan lists yet. */
const E164_COMPACT = /^\+\d{10,15}$/;

const PHONE_CUE =
  /(?:phone|tel\b|tel\.|tél|mobile?|cell|call|fax|whatsapp|sms|\btext\b|reach|contact|kontakt|caller|dial|ruf|handy|telefon|telemóvel|telemovel|komórk|zadzwo|numéro|portable|appel|teléfono|telefono|móvil|movil|llam|cellulare|chiam|contato|celular|bel |nummer|hotline|helpline|support line|switchboard|\bring\b|電話|电话|手机|手機|携帯|号码|番号|тел|номер|звон|моб|τηλ|κινητ|전화|휴대폰|هاتف|جوال|טלפון|फ़ोन|फोन|โทร)/;
const NOT_PHONE_CUE =
  /(?:order|invoice|rechnung|bestell|bestel|commande|factur|factuur|faktur|zamówien|zamowien|fattur|pedido|ordine|encomenda|tracking|sendung|ticket|\bref|iban|account|konto|kundennummer|kundennr|customer id|serial|isbn|\bzip|\bplz|(?<!caller[ -])\bid\b|#\s*$|\bsku|\bpart\b|version|\bv$|\blot\b|\bbatch|\bcase\b|ssn|\bsocial\b|soc\.? ?sec|\bss\.? ?#|(?<!v)card|carte|(?<!visiten)karte|tarjeta|cart[ãa]o|carta|\bkart|\bpan\b|\bcc\b|заказ|注文|订单|customer|member|policy|claim|patient|employee|student|licen[cs]e|passport|\btax\b|\bvat\b|registration|product|item|model|flight|room|build|seat|postal|routing|transaction)/;
const PHONE_CUE_ALL = new RegExp(PHONE_CUE.source, 'g');
const NOT_PHONE_CUE_ALL = new RegExp(NOT_PHONE_CUE.source, 'g');
/** Where a new clause starts: a cue word before it names something else ("… gift cards, her number is …"). */
const CLAUSE_BREAK = /[,;|]|\s[—–-]\s|[.!?]\s/g;

/** [start, end) of the last match of a global `re` in `s`, or [-1, -1]. */
function lastMatch(re: RegExp, s: string): [number, number] {
  re.lastIndex = 0;
  let last: [number, number] = [-1, -1];
  for (let m = re.exec(s); m; m = re.exec(s)) {
    last = [m.index, m.index + m[0].length];
    if (m[0].length === 0) re.lastIndex++;
  }
  return last;
}

/**
 * Whether the words before a candidate name another kind of number ("order no.", "SSN", "card"). The nearest cue
 * wins: "SSN 676-95-2112, phone (617) 555-0139" is a phone number; so is one in a clause after the other cue.
 */
function namedOtherwise(before: string): boolean {
  if (!NOT_PHONE_CUE.test(before)) return false;
  const other = lastMatch(NOT_PHONE_CUE_ALL, before)[1];
  // A phone cue glued to the other one is part of its word: "Bestellnummer", "注文番号".
  return other >= lastMatch(PHONE_CUE_ALL, before)[0] && other > lastMatch(CLAUSE_BREAK, before)[1];
}
/** "number" (Polish "numer", Italian "numero") alone names any number: a cue only for digits grouped the way phone numbers are written. */
const NUMBER_CUE = /\b(?:number|numer|numero)\b/;
/** Cue words right after a number: "… is my cell", "(mobile)", "- office". */
const PHONE_CUE_AFTER = /^[\s,;:()\-–—]{0,3}(?:\(?(?:mobile|cell|phone|tel|fax|home|work|office|landline|whatsapp)\b|(?:is|was) (?:my|his|her|our|their|the) (?:cell|phone|number|mobile|landline|direct line))/i;
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
  if (raw.charCodeAt(0) === 40 /* ( */ || TRUNK_AREA.test(raw)) return true;
  if (s.d0 === 56 /* 8 */ && groupsAre(g, 1, 3, 3, 2, 2)) return true;
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

/** Whether `number` is well-formed: a length its plan uses, not one digit repeated (only asked after a phone cue). */
function possible(number: string, region: CountryCode | undefined): boolean {
  try {
    const p = parsePhoneNumberFromString(number, region);
    if (!p?.isPossible()) return false;
    const national = String(p.nationalNumber);
    return !/^(\d)\1*$/.test(national);
  } catch {
    return false;
  }
}

// Distinct numbers judged "possible" per scan: the check is not cached across scans (the verdict cache holds
// validity), so text made of many distinct cued numbers must not make each cost a libphonenumber parse per region.
const MAX_POSSIBLE_CHECKS = 16;
const possibleChecks = new WeakMap<ScanState, number>();

function possibleAfterCue(number: string, regions: ReadonlyArray<CountryCode | undefined>, scan: ScanState): boolean {
  const key = `possible|${number}`;
  const memo = scan.phoneVerdicts.get(key);
  if (memo !== undefined) return memo;
  const used = possibleChecks.get(scan) ?? 0;
  if (used >= MAX_POSSIBLE_CHECKS) return false;
  possibleChecks.set(scan, used + 1);
  const ok = regions.some((region) => possible(number, region));
  scan.phoneVerdicts.set(key, ok);
  return ok;
}

/**
 * Whether the candidate is introduced as a phone number: an extension written after it or a cue word before it
 * ("call", "Tel.", "手机" …; "number" only for grouped digits). `cueAfter` ("… is my cell", "(mobile)") is read
 * only when still needed: most candidates are dates and amounts, decided before.
 */
function cueBefore(before: string, extension: boolean, s: Shape): boolean {
  const grouped = s.international || (s.groups.length > 1 && !thousandsShape(s));
  return extension || PHONE_CUE.test(before) || (grouped && NUMBER_CUE.test(before));
}
const cueAfter = (text: string, end: number): boolean => PHONE_CUE_AFTER.test(lineAfter(text, end, 40));
/** A table column headed "phone", "tel", "mobile" …: the header is the cue for every cell below it. */
const phoneColumn = (text: string, start: number, scan: ScanState): boolean => PHONE_CUE.test(columnHeader(text, start, scan) ?? '');

/** Decimal numbers in a row ("load average: 0.42 0.37 0.31"), not a number written in groups. */
const DECIMALS = /^\d{1,3}\.\d+(?: \d{1,3}\.\d+)+$/;

/** Grouped like a count or an amount: 1 204 567, 12 345 678. */
function thousandsShape(s: Shape): boolean {
  return s.groups.length > 1 && (s.groups[0] ?? 0) <= 3 && allGroups(s.groups, 1, s.groups.length, 3);
}

/** Returns a confidence when `raw` is a valid phone number (or a well-formed one introduced as a phone), 0 otherwise. */
function scoreCandidate(text: string, start: number, raw: string, extension: boolean, trimmed: boolean, scan: ScanState): number {
  const s = shapeOf(raw);
  const n = s.n;
  if (isOtherNumberShape(s) || DECIMALS.test(raw)) return 0;
  const end = start + raw.length;
  if (s.international) {
    if (n < 8 || n > 17) return 0;
    // libphonenumber is ~30 % faster on the compact E.164-like form than on the formatted one.
    const digits = digitString(raw);
    // Mexico's mobile prefix "1" after +52 was retired in 2019 but is still written (+52 1 33 …); it dials the same line.
    const e164 = `+${s.d0 === 48 && s.d1 === 48 ? digits.slice(2) : digits}`.replace(MEXICAN_MOBILE_PREFIX, '+52');
    if (validate(e164, undefined, scan)) return 0.95;
    if (trimmed) return 0;
    const before = lineBefore(text, start, 32);
    if (namedOtherwise(before)) return 0;
    const column = columnHeader(text, start, scan);
    const cue = cueBefore(before, extension, s) || cueAfter(text, end) || PHONE_CUE.test(column ?? '');
    // Written with '+' and a country code, a number of a length that country uses is a phone number even in a
    // range libphonenumber knows as unassigned, and even where the cue word is further back or absent (contact
    // lists) — but not in a table column named for something else ("amount").
    if (!cue && (raw.charCodeAt(0) !== 43 || column !== undefined)) return 0;
    if (possibleAfterCue(e164, [undefined], scan)) return cue ? 0.85 : 0.6;
    return cue && !column && PHONE_CUE.test(before) && E164_COMPACT.test(raw) ? 0.8 : 0;
  }
  if (n < 7 || n > 12) return 0;
  const strongShape = isNationalPhoneShape(raw, s);
  const before = lineBefore(text, start, 32);
  let cue = cueBefore(before, extension, s);
  if (!strongShape && !cue && !(cue = cueAfter(text, end) || phoneColumn(text, start, scan))) return 0;
  // "Bestellnummer", "order no." … win over the generic "nummer"/"no." cue words.
  if (namedOtherwise(before)) return 0;
  if (UNIT_AFTER.test(lineAfter(text, end, 8))) return 0;
  const digits = digitString(raw);
  const trunk = TRUNK_AREA.exec(raw)?.[1] ?? (s.d0 === 56 && groupsAre(s.groups, 1, 3, 3, 2, 2) ? '8' : undefined);
  const regions = NANP.test(digits) ? [...NANP_REGIONS, ...scan.phoneRegions] : trunk ? [...scan.phoneRegions, ...(TRUNK_REGIONS[trunk] ?? [])] : scan.phoneRegions;
  for (const region of regions) {
    if (s.d0 === 48 && (region === 'US' || region === 'CA')) continue; // NANP has no trunk '0'
    if (validate(digits, region as CountryCode, scan)) return cue ? 0.9 : strongShape ? 0.85 : 0.75;
  }
  // Written like a phone number (grouped, or with a trunk prefix) and introduced as one, with a length some plan uses.
  // Not for a number cut out of a longer digit run: that is something else (a card, an account number).
  if (trimmed || !(s.groups.length > 1 || s.d0 === 48) || thousandsShape(s)) return 0;
  return (cue || cueAfter(text, end)) && possibleAfterCue(digits, regions as CountryCode[], scan) ? 0.8 : 0;
}

/** Whether an extension follows at `end` (EXTENSION.lastIndex is then its end). Most candidates end in a space or
 * punctuation followed by something else: one or two character tests decide. */
function extensionAt(text: string, end: number): boolean {
  let c = text.charCodeAt(end);
  if (c === 32 || c === 9) c = text.charCodeAt(end + 1);
  if (!EXTENSION_START.includes(String.fromCharCode(c | 32))) return false;
  EXTENSION.lastIndex = end;
  return EXTENSION.exec(text) !== null;
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
  // "Bilal ((0161) 532 8218)": the area code's bracket opens right after a remark's.
  const doubled = m[0].startsWith('((') ? 1 : 0;
  const start = m.index + doubled;
  let raw = m[0].slice(doubled);
  // A spaced slash after a whole number separates two ("06 82 34 33 72 / 06 72 28 24 89"; the second is read on its
  // own below); after an area code it is part of the number ("040 / 762869").
  const spacedSlash = raw.indexOf(' / ');
  if (spacedSlash > 0 && digitCount(raw.slice(0, spacedSlash)) >= 7) raw = raw.slice(0, spacedSlash);
  // Two numbers separated by a space can be read as one candidate ("0151 23456789 0160 9876543"): when
  // there are too many digits for one number, drop whole space-separated groups from the end.
  for (let tries = 0; tries < 4 && digitCount(raw) > (raw.charCodeAt(0) === 43 || raw.startsWith('00') ? 17 : 12); tries++) {
    const cut = raw.lastIndexOf(' ');
    if (cut <= 0) break;
    raw = raw.slice(0, cut).replace(TRAILING_SEPARATORS, '');
  }
  // A bracket opened after a space and closed only after the candidate is a remark, not an area code: "… 56 66 (24/7)".
  const remark = raw.lastIndexOf(' (');
  if (remark > 0 && remark > raw.lastIndexOf(')')) raw = raw.slice(0, remark).replace(TRAILING_SEPARATORS, '');
  const extension = extensionAt(text, start + raw.length);
  const confidence = scoreCandidate(text, start, raw, extension, raw.length < m[0].length, scan);
  if (confidence > 0) {
    const end = extension ? EXTENSION.lastIndex : start + raw.length;
    out.push({ entity: 'PHONE_NUMBER', start, end, confidence, detector: 'phone' });
    CANDIDATE.lastIndex = end;
  } else if (raw.length < m[0].length - doubled && raw.length > 0) {
    // What was cut off a candidate may be a number of its own: "… / 06 82 34 33 72 / 06 72 28 24 89".
    CANDIDATE.lastIndex = start + raw.length;
  }
});
