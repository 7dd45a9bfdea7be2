// The fallback for secrets in contexts no syntax rule knows: a token that looks chosen or random (mixed character
// classes with a digit or symbol, not a word, name, URL, path, address, number, date, version, digest or
// placeholder) in the same clause as a credential cue word (cues.ts, every language listed there). The other
// recognizers read the value a cue's syntax points at; this one only asks whether a secret-shaped token sits near
// the cue, so it scores below all of them and loses every overlap. Each cue looks in a bounded window of its own
// line and sentence, and text one cue's window covered is not read again, so the work stays linear in the text.
import type { Detection, Recognizer, ScanState } from '../types.ts';
import { looksLikePlaceholder, looksRandom } from '../text-utils.ts';
import { isKeyName, notSecretName } from './api-key.ts';
import { cueHits } from './cues.ts';
import { isPlaceholder, passwordOrKey, startsWithCall } from './password-value.ts';

const BEFORE = 64;
const AFTER = 160;
const MIN_LENGTH = 8;
const MAX_LENGTH = 128;
const CONFIDENCE = 0.55;

/** What may follow the `pass` stem in the same word (other cues take a plural `s` only). */
const PASS_REST = /^(?:word|wd|wort|phrase|ord|ordet|e)?s?$/i;
/** Pair cues that are also plain words of prose or names ("admin panel", "root cause"): not cues here. */
const NOT_A_CUE = /^(?:admin|root|accounts|auth|bearer|zugang|users?)$/i;
/** "public key", "public_key": what follows is published, not secret. */
const PUBLIC_BEFORE = /public[ _-]?$/i;
/**
 * The clause ends at a line break or a sentence's end: a full stop, '!' or '?' before a space and a word that does
 * not go on in lower case ("Is Marmelade7781! a good one" goes on), or their CJK forms.
 */
const CLAUSE_END = /[\n\r。！？]|[.!?](?=[ \t]*$|[ \t]+[^\p{Ll}\s])/u;
const CLAUSE_END_CHARS = '\n\r。！？.!?';
const clauseEndsAt = (text: string, i: number): boolean => CLAUSE_END_CHARS.includes(text[i]!) && CLAUSE_END.exec(text.slice(i, i + 3))?.index === 0;

// Token shapes that are not secrets.
const URL_OR_PATH = /:\/\/|^(?:www\.|[/\\]|~(?:[a-z_][\w.-]*)?(?:\/|$)|\.{1,2}\/|[A-Za-z]:\\)|\/[\w.-]+\/|\.(?:json|ya?ml|txt|env|conf|cfg|ini|pem|key|crt|log|sh|py|ts|js|md|csv|xml|html)$/i;
const EMAIL = /^[^@\s]+@[\w-]+(?:\.[\w-]+)+$/;
const IPV4_OR_6 = /^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$|^[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:%\w+)?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER_DATE_OR_VERSION = /^[+(]?[\d\s.,:/()+-]+%?$|^v?\d+(?:\.\d+)+(?:[-+][\w.]+)?$|^\d+(?:st|nd|rd|th|px|ms|gb|mb|kb|h|m|s|x)$/i;
/** Lower-case words and digits joined by `_ . -` (user names, model names, slugs); a secret there is long and random. */
const LOWER_NAME = /^[a-z0-9._-]+$/;
/** Upper-case codes (ORD-77812, ERR_TIMEOUT, RS256, GITHUB_TOKEN). */
const UPPER_CODE = /^[A-Z0-9._-]+$/;
const NON_ASCII = /[^\t-~]/;
/**
 * Shapes of words and code names, in ASCII and in every script: edge punctuation; one word as prose writes it (lower,
 * Capitalized or UPPER); snake_case, camelCase, PascalCase and dotted/dashed names of letter-only parts (`writeOnly`,
 * `minLength`, `max_tokens`, `LaGrange_Invités`).
 */
const shapesOf = (l: string, lower: string, upper: string) => ({
  edgePunctuation: new RegExp(`^[^${l}0-9]+|[^${l}0-9]+$`, 'gu'),
  plainWord: new RegExp(`^(?:${lower}+|${upper}${lower}+|${upper}+)$`, 'u'),
  identifier: new RegExp(`^(?:${lower}+(?:_${lower}+)+|${lower}+(?:${upper}${lower}+)+|(?:${upper}${lower}+){2,}|[${l}]+(?:[._-][${l}]+)+)[0-9]?$`, 'u'),
});
const ASCII_SHAPES = shapesOf('A-Za-z', '[a-z]', '[A-Z]');
const UNICODE_SHAPES = shapesOf('\\p{L}', '\\p{Ll}', '\\p{Lu}');
/** Tokens naming an algorithm or a digest rather than holding a secret. */
const ALGORITHM = /sha-?\d|md5|pbkdf|bcrypt|argon|scrypt|aes-?\d|rsa|hmac|utf-?8|base64|x509|ed25519|oauth\d|tls1|http\d/i;
/** Words right before the token that make it a digest or an id, not a secret. */
const DIGEST_BEFORE = /(?:sha-?\d+|md5|checksum|fingerprint|commit|digest|hash|etag|revision|rev|build|version|serial|order|ticket|invoice|tracking|id)[ \t]*[:=#]?[ \t]*["'`]?$/i;
/** The value of a command-line flag that names something else (`--image Ubuntu2204` beside `--admin-password …`). */
/** A network's name (SSID) labelled before the token, next to its Wi-Fi password: "Wi-Fi: Guest_5G, pass: …". */
const NETWORK_NAME_BEFORE = /(?:ssid|wi-?fi|wlan|network|netzwerk|réseau|rede|rete|netwerk)(?:[ \t]*name)?[ \t]*[:=]?[ \t]*["'“„]?$/i;
const OTHER_FLAG_BEFORE = /(?:^|\s)--?(?![\w-]*(?:pass|pw|secret|token|key|auth|cred))[A-Za-z][\w-]*[ \t=]$/i;
/**
 * Characters ending a token: whitespace, quotes, list punctuation, letters of scripts written without spaces, and
 * brackets at a token's edge (1); a bracket with more of the token after it is part of it (2): `tlYOpe(F5AiYB`.
 */
const STOP = new Uint8Array(128);
for (let c = 0; c <= 32; c++) STOP[c] = 1;
for (const ch of '"\'`,;|') STOP[ch.charCodeAt(0)] = 1;
for (const ch of '()[]{}<>') STOP[ch.charCodeAt(0)] = 2;
const isStop = (c: number): boolean => (c < 128 ? STOP[c] !== 0 : c >= 0x2e80);
/** Whether the token read from `start` ends at `i`. */
const endsToken = (text: string, start: number, i: number): boolean => {
  const c = text.charCodeAt(i);
  if (c >= 128) return c >= 0x2e80;
  if (STOP[c] !== 2) return STOP[c] === 1;
  const next = text.charCodeAt(i + 1);
  return i === start || i + 1 >= text.length || isStop(next) || next === 46 || next === 58 || next === 33 || next === 63;
};
const OPENER: Readonly<Record<number, string>> = { 41: '(', 93: '[', 125: '{', 62: '<' };
/** Whether the character after the token closes a bracket the token opened. */
const closesInside = (token: string, after: number): boolean => OPENER[after] !== undefined && token.includes(OPENER[after]);
/** A setting's name before its value (`DB_PASSWORD=…`) and a `base64:` marker (`APP_KEY=base64:…`) are not the secret. */
const NAME_OR_MARKER = /^(?:[A-Za-z_][\w.-]{0,40}=(?!=|$))?(?:base64:)?/;
/** Letters and digits: a token of these alone is a word or a number, never secret-shaped (checked while reading it). */
const isLetter = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122;
const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || isLetter(c);
const isNameChar = (c: number): boolean => isAlnum(c) || c === 95 || c === 46 || c === 45;
/** Marks that open a quotation or a question in prose, never a password's first character here. */
const OPENING_MARKS = '¿¡„“«‚‘';
const BASE64ISH = /^[A-Za-z0-9+/_=-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const LETTER = /\p{L}/u;
const UPPER_LETTER = /\p{Lu}/u;
/** `user@host` as ssh and scp write it (lower-case both sides, no digits): a login, not a password with an '@'. */
const USER_AT_HOST = /^[a-z][a-z._-]*@[a-z][a-z._-]*$/;
/** Names of password managers and products that prose about passwords mentions. */
const NOT_SECRETS = new Set(['1password']);

/** A random key rather than a typed password: long, of base64/hex letters, random-looking. */
const keyShaped = (token: string): boolean => token.length >= 20 && BASE64ISH.test(token) && looksRandom(token);

/** Which of lower-case, upper-case (letters of any script), digits and other characters `token` has. */
function classes(token: string): { lower: boolean; upper: boolean; digit: boolean; other: boolean } {
  const cls = { lower: false, upper: false, digit: false, other: false };
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) cls.digit = true;
    else if (c >= 65 && c <= 90) cls.upper = true;
    else if (c >= 97 && c <= 122) cls.lower = true;
    else if (c < 0x80 || !LETTER.test(token[i]!)) cls.other = true;
    else if (UPPER_LETTER.test(token[i]!)) cls.upper = true;
    else cls.lower = true;
  }
  return cls;
}

/** Whether `token` looks like a chosen password or a random key rather than a word, a name or a number. */
export function secretShaped(token: string): boolean {
  if (token.length < MIN_LENGTH || token.length > MAX_LENGTH) return false;
  const cls = classes(token);
  const kinds = Number(cls.lower) + Number(cls.upper) + Number(cls.digit) + Number(cls.other);
  if (kinds < 2 || !(cls.digit || cls.other) || !(cls.lower || cls.upper)) return false;
  if (token.charCodeAt(0) === 45 /* - */ || /[=:][^=]/.test(token)) return false; // flags and name=value settings
  // A word or a name inside punctuation ("username=", "„Zresetuj", "acct_ro%") is still a word or a name.
  // (Letter classes of every script cost more to match: ASCII tokens, the common case, take the ASCII forms.)
  const shapes = NON_ASCII.test(token) ? UNICODE_SHAPES : ASCII_SHAPES;
  const core = cls.other ? token.replace(shapes.edgePunctuation, '') : token;
  if (shapes.plainWord.test(core) || shapes.identifier.test(core) || NOT_SECRETS.has(core.toLowerCase())) return false;
  if ((LOWER_NAME.test(core) || UPPER_CODE.test(core)) && !(/^[A-Za-z0-9]+$/.test(token) && keyShaped(token))) return false;
  if (URL_OR_PATH.test(token) || EMAIL.test(token) || USER_AT_HOST.test(token) || IPV4_OR_6.test(token) || UUID.test(token) || NUMBER_DATE_OR_VERSION.test(token)) return false;
  // Product/version and media-type pairs (`curl/8.4.0`, `meta-llama/Llama-3-8B`, `application/json`) share the slash with base64.
  if ((token.includes('/') && !(BASE64.test(token) && keyShaped(token))) || ALGORITHM.test(token)) return false;
  return !isPlaceholder(token) && !looksLikePlaceholder(token) && !/\$\{|%\w+%|\{\{/.test(token);
}


/** Whether the cue at [start, end) is a word of its own (or a name part: DB_PASSWORD, dbPassword, root密码). */
function isCue(text: string, start: number, end: number): boolean {
  // Words of scripts written without spaces are cues wherever they stand: root密码….
  if (NON_ASCII.test(text.slice(start, end))) return true;
  const before = text.charCodeAt(start - 1);
  const first = text.charCodeAt(start);
  if (start > 0 && isAlnum(before) && !(before >= 97 && before <= 122 && first >= 65 && first <= 90)) return false;
  let wordEnd = end;
  while (wordEnd < text.length && wordEnd - end < 12 && isLetter(text.charCodeAt(wordEnd))) wordEnd++;
  const word = text.slice(start, wordEnd);
  if (NOT_A_CUE.test(word) || PUBLIC_BEFORE.test(text.slice(Math.max(0, start - 8), start))) return false;
  // (PAT and SID are cues only as written in capitals: "pattern", "inside" are words.)
  if (/^(?:pat|sid)s?$/i.test(word) && !/^(?:PAT|SID)$/.test(word)) return false;
  const rest = text.slice(end, wordEnd);
  if (!/^s?$/i.test(rest) && !(/^pass$/i.test(text.slice(start, end)) && PASS_REST.test(rest))) return false;
  // The name the cue is part of (`cache_key`, `max_tokens`, `PASSWORD_FILE`, "object key") may name no secret; a
  // service account's `private_key_id` does, and an id next to a PAT or SID cue is what the secret goes with.
  if (/^(?:PAT|SID)$/.test(word)) return true;
  let s = start;
  let e = wordEnd;
  while (s > 0 && start - s < 40 && isNameChar(text.charCodeAt(s - 1))) s--;
  while (e < text.length && e - wordEnd < 40 && isNameChar(text.charCodeAt(e))) e++;
  const name = text.slice(s, e).toLowerCase();
  const withWordBefore = text.slice(Math.max(0, s - 12), e).toLowerCase();
  // "key" alone is a word of prose ("JSON with keys …"): a cue only in a key's name or labelling a value (`key: …`).
  if (/^keys?$/i.test(word) && !isKeyName(withWordBefore) && !/^[ \t]*["']?[ \t]*[:=]/.test(text.slice(e, e + 6))) return false;
  return name === 'private_key_id' || !notSecretName(name, withWordBefore);
}

/**
 * [start, end) of the clause around the cue: its line and sentence, at most BEFORE/AFTER characters either side.
 * Text before `readTo` was read for an earlier cue, whose clause had no end between that cue and `readTo`: the
 * search goes on from there, so cues close together cost one window, not one each.
 */
function clauseAround(text: string, start: number, end: number, readTo: number): [number, number] {
  let from = start;
  if (start - BEFORE <= readTo) from = Math.min(start, readTo);
  else while (from > 0 && start - from < BEFORE && !clauseEndsAt(text, from - 1)) from--;
  const searchFrom = Math.max(end, readTo);
  const after = text.slice(searchFrom, end + AFTER);
  const stop = after.search(CLAUSE_END);
  return [from, stop === -1 ? searchFrom + after.length : searchFrom + stop];
}

function detect(text: string, scan: ScanState, out: Detection[]): void {
  const hits = cueHits(text, scan);
  const cues: Array<[number, number, boolean]> = [];
  for (const [kind, key] of [['password', false], ['pair', false], ['secret', true], ['weak', true]] as const) {
    const list = hits[kind];
    for (let h = 0; h < list.length; h += 2) cues.push([list[h]!, list[h + 1]!, key]);
  }
  if (cues.length === 0) return;
  cues.sort((a, b) => a[0] - b[0]);
  let readTo = 0;
  for (const [cueStart, cueEnd, keyCue] of cues) {
    if (cueEnd + AFTER <= readTo || !isCue(text, cueStart, cueEnd)) continue;
    const [from, to] = clauseAround(text, cueStart, cueEnd, readTo);
    if (to <= readTo) continue;
    let i = Math.max(from, readTo);
    // Start at a token boundary: a window cut inside a token would read its tail as a token.
    while (i > 0 && i < to && !isStop(text.charCodeAt(i - 1))) i++;
    while (i < to) {
      while (i < to && isStop(text.charCodeAt(i))) i++;
      let start = i;
      let digit = false;
      let notAlnum = false;
      for (let c = text.charCodeAt(i); i < text.length && i - start <= MAX_LENGTH && !endsToken(text, start, i); c = text.charCodeAt(++i)) {
        if (c >= 48 && c <= 57) digit = true;
        else if (!isAlnum(c)) notAlnum = true;
      }
      // (Plain words and ASCII letters alone are never secret-shaped: most tokens end here, unsliced.)
      if (i - start < MIN_LENGTH || !(digit || notAlnum)) continue;
      while (start < i && OPENING_MARKS.includes(text[start]!)) start++;
      start += NAME_OR_MARKER.exec(text.slice(start, i))![0].length;
      let end = i;
      // List punctuation and a sentence's end after an unquoted token are not part of it ("… is Rachel5829%. Then …").
      const open = text[start - 1];
      const quoted = (open === '"' || open === "'" || open === '`') && text[end] === open;
      if (!quoted) {
        while (end > start && (text[end - 1] === ',' || text[end - 1] === ':' || text[end - 1] === ';')) end--;
        if (end > start && clauseEndsAt(text, end - 1)) end--;
      }
      if (end - start < MIN_LENGTH || (start <= cueStart && cueStart < end)) continue;
      const token = text.slice(start, end);
      // (An index or a call the token ended on, `sshd[1123]`, `connect(host=`, is code or a log's field.)
      if (closesInside(token, text.charCodeAt(i)) || startsWithCall(token)) continue;
      const before = text.slice(Math.max(0, start - 32), start);
      if (!secretShaped(token) || DIGEST_BEFORE.test(before) || OTHER_FLAG_BEFORE.test(before) || NETWORK_NAME_BEFORE.test(before)) continue;
      const entity = keyCue && keyShaped(token) ? 'API_KEY' : passwordOrKey(token);
      out.push({ entity, start, end, confidence: CONFIDENCE, detector: 'secret.near_cue' });
    }
    readTo = Math.max(readTo, to, i);
  }
}

export const secretNearCueRecognizer: Recognizer = { name: 'secret_near_cue', entities: ['PASSWORD', 'API_KEY'], detect };
