// Passwords given as the second half of a user name / password pair, with no password cue of their own:
// "Login: jsmith, S3cret!", "with user svc / S3cret!", "credentials: admin / Tr0ub4dor&3", "creds for the box are root, …", lists such as
// "alice, pw1; bob, pw2", bulleted lines under "Accounts:", `user:pass` right after the cue ("decoded credentials
// bob:S3cret!"), and the well-known accounts written `admin:…`, `root / …`, `admin/…`.
import type { Detection, ScanState } from '../types.ts';
import { isAsciiLetter, isWordChar } from '../text-utils.ts';
import { eachCue } from './cues.ts';
import { isPlaceholder, strongNotNumber } from './password-value.ts';

/** After a pair cue: an assignment, or a few words and a connector ("for the staging box are"). */
const INTRO = /\)?[ \t]{0,3}(?:[:=][ \t]{0,3}(?:\r?\n[ \t]{0,3})?|(?:[ \t]+[\p{L}][\p{L}'’-]{0,15}){0,5}?[ \t]+(?:are|is|sind|ist|sont|est|son|es|são|é|zijn|is)[ \t]+)/uy;
/** One pair (a list item may start with a bullet): a user name (letters first, or an address), a separator, the password, up to a list separator. */
const PAIR = /(?:[-*•][ \t]+)?([A-Za-z][\w.@+-]{0,63})(?:[ \t]?,[ \t]?|[ \t]+\/[ \t]+|\/|[ \t]*\|[ \t]*|:|[ \t]+(?:and|und|et|y|e|en|og|och|i)[ \t]+)([^\s,;|]{4,128})/y;
const LIST_SEPARATOR = /[ \t]*[;|][ \t]*|[ \t]*(?:,[ \t]+|\r?\n[ \t]*)(?=(?:[-*•][ \t]+)?[A-Za-z][\w.@+-]{0,63}(?:[ \t]?[,/:|]|[ \t]+\/))/y;
/** `admin:…`, `admin / …`, `admin/…`: a well-known account right before the password (a path has more slashes: refused below). */
const ADMIN_PAIR = /(?::|[ \t]?\/[ \t]?)([^\s,;|]{6,128})/y;
const WELL_KNOWN_ACCOUNTS = new Set(['admin', 'root']);
const MAX_PAIRS = 20;
/** Without an assignment, only `user:password` or `user / password` right after the cue ("decoded credentials bob:S3cret!", "login bob / S3cret!"). */
const COLON_PAIR = /[ \t]+[A-Za-z][\w.@+-]{0,63}(?::|[ \t]?\/[ \t]?)([^\s,;|]{4,128})/y;

const SPACED_SLASH_PAIR = /[ \t]+[A-Za-z][\w.@+-]{0,63}[ \t]+\/[ \t]+([^\s,;|]{4,128})/y;

function passwordOk(value: string): boolean {
  return strongNotNumber(value) && !isPlaceholder(value) && !value.includes('/');
}

/** After a slash with no space (`admin/…`, `login bob/…`), where paths also go: only a value with a symbol, not a snake_case name. */
const GLUED_SLASH_VALUE = /^(?=.*[^A-Za-z0-9])(?![a-z][a-z0-9]*(?:_[a-z0-9]+)+$)/;
const gluedSlashOk = (text: string, valueStart: number, value: string): boolean =>
  text[valueStart - 1] !== '/' || text[valueStart - 2] === ' ' || GLUED_SLASH_VALUE.test(value);

/** Reads `user SEP password` pairs at `from`; pushes each password and returns the end of the last one. */
export function readPairs(text: string, from: number, out: Detection[], confidence: number): number | undefined {
  let at = from;
  let end: number | undefined;
  for (let n = 0; n < MAX_PAIRS; n++) {
    PAIR.lastIndex = at;
    const m = PAIR.exec(text);
    if (!m || m[2] === undefined) break;
    const value = m[2].replace(/[.:]+$/, '');
    if (!passwordOk(value)) break;
    const start = PAIR.lastIndex - m[2].length;
    out.push({ entity: 'PASSWORD', start, end: start + value.length, confidence, detector: 'password.pair' });
    end = start + value.length;
    LIST_SEPARATOR.lastIndex = PAIR.lastIndex;
    if (!LIST_SEPARATOR.exec(text)) break;
    at = LIST_SEPARATOR.lastIndex;
  }
  return end;
}

export function detectCredentialPairs(text: string, scan: ScanState, out: Detection[]): void {
  eachCue(text, scan, 'pair', (cueStart, cueEnd) => {
    if (cueStart > 0 && isWordChar(text.charCodeAt(cueStart - 1))) return undefined;
    let end = cueEnd;
    while (end < text.length && end - cueEnd < 2 && isAsciiLetter(text.charCodeAt(end))) end++; // credential-s, login-s
    if (end < text.length && isWordChar(text.charCodeAt(end))) return undefined;
    const cue = text.slice(cueStart, cueEnd).toLowerCase();
    // "user" is a word of all prose: only `user NAME / PASSWORD` after it ("RDP … with user svc_backup / pepper+89").
    if (cue === 'user') return pairAfter(SPACED_SLASH_PAIR, text, end, out, 0.8);
    if (WELL_KNOWN_ACCOUNTS.has(cue)) {
      if (cueStart > 0 && /[/\\@.:-]/.test(text[cueStart - 1]!)) return undefined; // paths, URLs, addresses
      return pairAfter(ADMIN_PAIR, text, end, out, 0.75);
    }
    INTRO.lastIndex = end;
    if (INTRO.exec(text)) return readPairs(text, INTRO.lastIndex, out, 0.8);
    return pairAfter(COLON_PAIR, text, end, out, 0.8);
  });
}

/** The password that `re` (its group 1) reads right at `from`; returns where it ends, or undefined. */
function pairAfter(re: RegExp, text: string, from: number, out: Detection[], confidence: number): number | undefined {
  re.lastIndex = from;
  const m = re.exec(text);
  if (!m || m[1] === undefined) return undefined;
  const value = m[1].replace(/[.:]+$/, '');
  const start = re.lastIndex - m[1].length;
  if (!passwordOk(value) || !gluedSlashOk(text, start, value)) return undefined;
  out.push({ entity: 'PASSWORD', start, end: start + value.length, confidence, detector: 'password.pair' });
  return start + value.length;
}
