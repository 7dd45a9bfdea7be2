// Reading and judging a password candidate: where an unquoted or quoted value ends, whether it looks chosen
// (digits, symbols, mixed case) or is a pass phrase of plain words, and whether it is a placeholder, a code
// reference or a word of prose instead.
import { isAsciiLetter, isDigit, isLower, isUpper } from '../text-utils.ts';

export const MAX_VALUE = 128;

const PLACEHOLDER =
  /^(?:\*+|x+|\.+|…|-+|\?+|<[^>]*>|\[[^\]]*\]|\{\{.*\}\}|\{[A-Za-z_]\w*\}|%\(\w+(?:\)[sdr]?)?|%[sd]|%[A-Za-z_]\w*%|redacted|null|none|nil|undefined|true|false|empty|required|optional|string|str|text|hidden|masked|secret|password|passwd|pass|pwd|changeme|changeit|!vault|your[_-]?\w*|mypassword|n\/a|tbd|todo)$/i;
// Shell and template variables: `${DB_PASS}`, `$DB_PASS`, `$dbPassword` (a cut-off `${DB_PASS` too). Case matters:
// `$KCVwig5LkWHaya` and `$l9LE9N9cq` are passwords that start with a dollar sign (camelCase words start a lower-case run).
const VARIABLE = /^\$(?:\{[^}]*\}?|[A-Z_][A-Z0-9_]*|[a-z_][a-z0-9_]*(?:[A-Z][a-z][a-z0-9_]*)*)$/;
// Code that computes the value (`os.getenv(…)`, `config.db.password`, `secrets.DB_PASS`, PowerShell's
// `(ConvertTo-SecureString …)`), not the value itself.
const CODE_REFERENCE = /^(?:process\.env|os\.environ|os\.getenv|getenv|env\(|env\.|config\.|settings\.|secrets\.|vars\.|self\.|this\.|args\.|req\.|request\.|user\.|input\.|params\.)|\w\(|^\((?:Get|Read|ConvertTo|ConvertFrom|Import|Invoke|New)-[A-Z][A-Za-z]+$/;
// A dotted identifier path is code when it has a capital or an underscore or ends in a secret-like name;
// dotted lower-case words are a pass phrase (`amber.falcon.dune7`). Each part must be named the way code names
// things (snake_case, camelCase, PascalCase, SCREAMING_CASE): `LE.AcITg9HYOs` is a random password.
const DOTTED_PATH = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/;
const SECRET_NAME_END = /(?:pass|pwd|secret|key|token)\w*$/i;
const CODE_PATH = new RegExp(`[A-Z_]|${SECRET_NAME_END.source}`);
const IDENTIFIER_PART = /^(?:_?[a-z][a-z0-9]*(?:_[a-z0-9]+)*|_?[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)+[A-Z]?|(?:[A-Z][a-z0-9]+)+[A-Z]?|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)$/;
const isCodePath = (value: string): boolean => DOTTED_PATH.test(value) && CODE_PATH.test(value) && value.split('.').every((part) => IDENTIFIER_PART.test(part));
const NUMBER_LIKE = /^[\d\s.,:/-]+$/;
const URL_OR_PATH = /:\/\/|^[/~]|^\.{1,2}\//;

/** Characters that end an unquoted value: whitespace, quotes, list and markup punctuation, CJK text. */
export const isStop = (c: number): boolean =>
  c <= 32 || c === 34 || c === 39 || c === 96 || c === 44 || c === 59 || c === 38 || c === 60 || c === 62 || c === 41 || c === 93 || c === 125 || c === 92 || c >= 0x2e80;

const NEXT_PARAM = /^&[A-Za-z_][\w.-]*=/;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || VARIABLE.test(value) || CODE_REFERENCE.test(value) || isCodePath(value);
}

/** For a URL's userinfo: a placeholder, or code only when it names a secret (`config.db.password`); `Mango247.nimbus` is a password. */
export function isUrlPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || VARIABLE.test(value) || (isPlaceholder(value) && SECRET_NAME_END.test(value));
}

const WORD_AND_PUNCTUATION = /^\p{L}+[.!?]$/u;

/** Looks like a chosen password rather than a word of prose: digits, symbols or mixed case (other scripts' letters count as letters). */
export function strong(value: string): boolean {
  if (value.length < 6 || WORD_AND_PUNCTUATION.test(value)) return false; // "vergessen?"
  let lower = false;
  let upper = false;
  let digit = false;
  let other = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isDigit(c)) digit = true;
    else if (isUpper(c)) upper = true;
    else if (isLower(c) || c >= 0xc0) lower = true;
    else other = true;
  }
  return digit || other || (upper && lower && !/^[A-Z][a-z]+$/.test(value));
}

/** `strong`, and not a number, date, time, version, URL or path (what follows words like "last changed:"). */
export function strongNotNumber(value: string): boolean {
  return strong(value) && !NUMBER_LIKE.test(value) && !URL_OR_PATH.test(value) && !/^v?\d+(?:\.\d+)+(?:-[\w.]+)?$/.test(value);
}

/** A long run of hex digits is a generated key or token (Heroku's `.netrc` password, an API token), not a typed password. */
export const passwordOrKey = (value: string): 'PASSWORD' | 'API_KEY' => (value.length >= 32 && /^[0-9a-f]+$/i.test(value) ? 'API_KEY' : 'PASSWORD');

export interface ValueSpan {
  start: number;
  end: number;
  quoted: boolean;
}

/** The value at `from`: a quoted string (bounded, one line) or a run of characters up to a stop character. */
export function readValue(text: string, from: number): ValueSpan | undefined {
  let i = from;
  let quote = '';
  if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === "'")) quote = text.slice(i, i + 2); // JSON inside a string
  else if (text[i] === '"' || text[i] === "'" || text[i] === '`') quote = text[i] ?? '';
  if (quote) {
    const start = i + quote.length;
    // Bounded search for the closing quote: an unbounded indexOf per cue could go quadratic.
    const window = text.slice(start, start + MAX_VALUE + quote.length);
    const close = window.indexOf(quote);
    if (close <= 0 || window.lastIndexOf('\n', close) !== -1) return undefined;
    return { start, end: start + close, quoted: true };
  }
  const start = i;
  // '&' belongs to the password unless it starts the next query parameter (`&user=`).
  while (i < text.length && i - start < MAX_VALUE && (!isStop(text.charCodeAt(i)) || (text.charCodeAt(i) === 38 && !NEXT_PARAM.test(text.slice(i, i + 40))))) i++;
  // A sentence's full stop or colon is not part of the password.
  while (i > start && /[.:]/.test(text[i - 1] ?? '') && (i === text.length || text.charCodeAt(i) <= 32 || text.charCodeAt(i) >= 0x2e80)) i--;
  if (i === start) return undefined;
  return { start, end: i, quoted: false };
}

/** Whether only punctuation/whitespace follows `end` up to the end of the line (the value is the whole field). */
export function endsField(text: string, end: number): boolean {
  for (let i = end; i < text.length && i < end + 64; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
    if (c === 44 || c === 59 || c === 38 || c === 34 || c === 39 || c === 125 || c === 41 || c === 93 || c === 46 || c === 92 || c >= 0x2e80) return true;
    if (c > 32) return false;
  }
  return true;
}

// Function words of the languages cue words are recognized in: prose after a cue has them ("see the vault",
// "la misma de siempre", "stored in Vault"), pass phrases of random words do not.
const FUNCTION_WORDS = new Set(
  (
    'a an the of to in on at for from by with as is are was were be been being not no yes see same ask below above attached separately ' +
    'stored sent set via your my our their his her its this that these those it and or but if then use using please here there when where ' +
    'which who what how any all some one two new old default current same also only just still again must should will can could may ' +
    'do does did done has have had get got sent send via per than like such into onto over under about after before during each ' +
    'der die das den dem des ein eine einen siehe wie bitte und oder nicht ist im in beim vom zum zur per über mit bei von auf aus ' +
    'le la les un une des de du voir même que qui et ou est dans par pour avec sur au aux ce cette ' +
    'el los las una del ver mismo misma y o es en por para con siempre lo su ' +
    'o os as um uma do da dos das mesmo mesma e ou no na em com ' +
    'il lo gli di vedi stesso stessa è con ' +
    'het een zie hetzelfde en op voor met'
  ).split(' '),
);

/** An article opening a pass phrase ("el perro come manzanas verdes"); 4 or more words must follow it, since "the
 * password is the shared drive link" is prose. */
const LEADING_ARTICLE = /^(?:el|la|los|las|le|les|het|de|der|die|das|the|il|lo|o|a|os|as)[ \t](?=[A-Za-z])/i;

/**
 * End of a pass phrase of 3..6 plain words (letters only, 3..16 each, as Dutch and German compounds are long; single
 * spaces) starting at `from`, or -1, after an optional article. It must end the field (line end, quote, sentence
 * punctuation, a bracketed remark) and contain no other function word.
 */
export function passphraseEnd(text: string, from: number): number {
  const article = LEADING_ARTICLE.exec(text.slice(from, from + 5));
  let i = article ? from + article[0].length : from;
  let words = 0;
  while (words < 6) {
    const start = i;
    while (i < text.length && i - start <= 16 && isAsciiLetter(text.charCodeAt(i))) i++;
    const len = i - start;
    const word = text.slice(start, i).toLowerCase();
    if (len < 3 || len > 16 || FUNCTION_WORDS.has(word) || PLACEHOLDER.test(word) || word.startsWith('pass')) return -1;
    words++;
    if (text.charCodeAt(i) !== 32 || !isAsciiLetter(text.charCodeAt(i + 1))) break;
    i++;
  }
  if (words < (article ? 4 : 3) || (i < text.length && isAsciiLetter(text.charCodeAt(i)))) return -1;
  return endsField(text, i) || /^(?:[!?](?:\s|$)| \()/.test(text.slice(i, i + 2)) ? i : -1;
}
