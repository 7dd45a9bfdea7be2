// Reading and judging a password candidate: where an unquoted or quoted value ends, whether it looks chosen
// (digits, symbols, mixed case) or is a pass phrase of plain words, and whether it is a placeholder, a code
// reference or a word of prose instead.
import { isAsciiLetter, isDigit, isLower, isUpper } from '../text-utils.ts';

export const MAX_VALUE = 128;

const PLACEHOLDER =
  /^(?:\*+|x+|\.+|…|-+|\?+|<[^>]*>|\[[^\]]*\]?|\([A-Za-z ]*\)?|\{\{.*\}\}|\{[A-Za-z_]\w*\}|%\(\w+(?:\)[sdr]?)?|%[sd]|%[A-Za-z_]\w*%|redacted|null|none|nil|undefined|true|false|empty|required|optional|string|str|text|hidden|masked|secret|password|passwd|pass|pwd|changeme|changeit|!vault|your[_-]?\w*|mypassword|n\/a|tbd|todo)$/i;
// Shell and template variables: `${DB_PASS}`, `$DB_PASS`, `$dbPassword` (a cut-off `${DB_PASS` too). Case matters:
// `$KCVwig5LkWHaya` and `$l9LE9N9cq` are passwords that start with a dollar sign (camelCase words start a lower-case run).
const VARIABLE = /^\$(?:\{[^}]*\}?|[A-Z_][A-Z0-9_]*|[a-z_][a-z0-9_]*(?:[A-Z][a-z][a-z0-9_]*)*)$/;
// Code that computes the value (`os.getenv(…)`, `config.db.password`, `secrets.DB_PASS`, PowerShell's
// `(ConvertTo-SecureString …)`), not the value itself.
const CODE_REFERENCE = /^(?:process\.env|os\.environ|os\.getenv|getenv|env\(|env\.|config\.|settings\.|secrets\.|vars\.|self\.|this\.|args\.|req\.|request\.|user\.|input\.|params\.)|^\(?(?:Get|Read|ConvertTo|ConvertFrom|Import|Invoke|New)-[A-Z][A-Za-z]+$/;
/** A call (`getpass(`, `read_secret(name`, `vault.Get(`): a name as code writes it, then at most one plain argument. */
const CALL = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\(([\w.$]*)$/;
const CALL_START = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\(/;
// A dotted identifier path is code when it has a capital or an underscore or ends in a secret-like name;
// dotted lower-case words are a pass phrase (`amber.falcon.dune7`). Each part must be named the way code names
// things (snake_case, camelCase, PascalCase, SCREAMING_CASE): `LE.AcITg9HYOs` is a random password.
const DOTTED_PATH = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/;
const SECRET_NAME_END = /(?:pass|pwd|secret|key|token)\w*$/i;
const CODE_PATH = new RegExp(`[A-Z_]|${SECRET_NAME_END.source}`);
// (Digits end a part's words, as in `psycopg2`, `http2Client`; `W4u5316N` has them inside: random, not a name.)
const IDENTIFIER_PART = /^(?:_?[a-z]+[0-9]*(?:_[a-z0-9]+)*|_?[a-z]+[0-9]*(?:[A-Z][a-z]+[0-9]*)+[A-Z]?|(?:[A-Z][a-z]+[0-9]*)+[A-Z]?|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)$/;
// Code shows in a part named like code (snake_case, camelCase, SCREAMING_CASE), a class first (`Config.db`, not
// `Cobalt35.raven`) or a secret's name last; two digits at the end make a password (`Quartz.rocket17`: code names a
// member `password2` at most), and so does a capitalized word among plain ones (`cactus.Sommer.orbit`).
const CODE_PART = /_|[a-z][A-Z]|^[A-Z][A-Z0-9]+$/;
const isCodePath = (value: string): boolean => {
  if (!DOTTED_PATH.test(value) || !CODE_PATH.test(value) || /\d\d$/.test(value)) return false;
  const parts = value.split('.');
  if (!parts.every((part) => IDENTIFIER_PART.test(part))) return false;
  return SECRET_NAME_END.test(value) || /^[A-Z][A-Za-z]*\./.test(value) || parts.some((part) => CODE_PART.test(part));
};
const NUMBER_LIKE = /^[\d\s.,:/-]+$/;
// (`~/…` and `~user/…` are paths; `~7sf%K5nIT~` is not.)
const URL_OR_PATH = /:\/\/|^\/|^~(?:[a-z_][\w.-]*)?(?:\/|$)|^\.{1,2}\//;

/** Characters that end an unquoted value: whitespace, quotes, list and markup punctuation, CJK text. */
export const isStop = (c: number): boolean =>
  c <= 32 || c === 34 || c === 39 || c === 96 || c === 44 || c === 59 || c === 38 || c === 60 || c === 62 || c === 41 || c === 93 || c === 125 || c === 92 || c >= 0x2e80;

/** A closing bracket or '>' goes on inside a value when a letter, digit or symbol follows (`j^ELud2XWgv)LIOox`). */
const CLOSERS_INSIDE = new Set([41, 62, 93, 125]);
const goesOn = (c: number): boolean => c > 32 && c < 0x2e80 && !isStop(c) && c !== 46 && c !== 58 && c !== 33 && c !== 63;

const isLetterAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return isAsciiLetter(c) || (c >= 0xc0 && c < 0x2000 && c !== 0xd7 && c !== 0xf7);
};
const OPENER_OF: Readonly<Record<number, number>> = { 41: 40, 62: 60, 93: 91, 125: 123 };

/**
 * Whether the value from `start` ends at `i`: a stop character, except a bracket inside it (unless the value opened
 * it: `[REDACTED]`), '<' before a digit or symbol (`ilovemycat<3`) or an apostrophe between letters.
 */
function endsValue(text: string, start: number, i: number): boolean {
  const c = text.charCodeAt(i);
  if (!isStop(c)) return false;
  const next = text.charCodeAt(i + 1);
  // An apostrophe between letters is part of the value (`rock'n'roll77`, `l'été#2019`).
  if (c === 39) return !(i > start && isLetterAt(text, i - 1) && (isLetterAt(text, i + 1) || isDigit(next)));
  if (CLOSERS_INSIDE.has(c)) return text.charCodeAt(start) === OPENER_OF[c] || !goesOn(next);
  if (c === 60) return !(goesOn(next) && !isAsciiLetter(next) && next !== 47);
  return true;
}

const NEXT_PARAM = /^&[A-Za-z_][\w.-]*=/;
const QUERY_PARAM_BEFORE = /(?:^|[?&;\s])[\w.%-]{1,32}=$/;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || VARIABLE.test(value) || CODE_REFERENCE.test(value) || isCall(value) || isCodePath(value);
}

/** `tlYOpe(F5AiYB` and `rQk(Tz77pLm` are passwords: a call's name and argument are named the way code names things. */
function isCall(value: string): boolean {
  const m = CALL.exec(value);
  return m !== null && isCodeName(m[1]) && (m[2] === '' || isCodeName(m[2]));
}

/** `name=value` where the name is named like code (`timeout=30`, `DB_HOST=db`): a setting, not a password (`w10eDBtx2sSTmk6=v8I`). */
export const isSetting = (value: string): boolean => {
  const eq = value.indexOf('=');
  return eq > 0 && /^[A-Za-z_][\w.-]*$/.test(value.slice(0, eq)) && isCodeName(value.slice(0, eq).replace(/-/g, '_'));
};

/** Whether `token` starts with a call (`psycopg2.connect(host=`), the way code starts one. */
export const startsWithCall = (token: string): boolean => isCodeName(CALL_START.exec(token)?.[1]);

const isCodeName = (name: string | undefined): boolean => name !== undefined && name.split('.').every((part) => IDENTIFIER_PART.test(part));

/** For a URL's userinfo: a placeholder, or code only when it names a secret (`config.db.password`); `Mango247.nimbus` is a password. */
export function isUrlPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || VARIABLE.test(value) || (isPlaceholder(value) && SECRET_NAME_END.test(value));
}

/** A word of prose, maybe with an apostrophe ("doesn't") or ending a sentence ("vergessen?"). */
const WORD_AND_PUNCTUATION = /^\p{L}+(?:['’]\p{L}+)+[.!?]?$|^\p{L}+[.!?]$/u;

/** Looks like a chosen password rather than a word of prose: digits, symbols or mixed case (other scripts' letters count as letters). */
export function strong(value: string): boolean {
  if (value.length < 6 || WORD_AND_PUNCTUATION.test(value)) return false;
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

/**
 * After a setting's name given as the value of a `name` key, the key holding its value: Kubernetes' `- name: X` /
 * `value: …` on the next line, ECS's `{"name": "X", "value": …}`, CloudFormation's `ParameterKey=X,ParameterValue=…`.
 */
export const VALUE_KEY_AFTER_NAME = /["']?[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?["']?(?:value|ParameterValue|secretValue)["']?[ \t]*[:=][ \t]*/y;

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
  // '&' belongs to the password unless, in a URL's query or a form body (`pass=…&user=`), it starts the next parameter.
  let query: boolean | undefined;
  while (i < text.length && i - start < MAX_VALUE) {
    if (endsValue(text, start, i)) {
      if (text.charCodeAt(i) !== 38) break;
      query ??= QUERY_PARAM_BEFORE.test(text.slice(Math.max(0, start - 40), start));
      if (query && NEXT_PARAM.test(text.slice(i, i + 40))) break;
    }
    i++;
  }
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
  let numbers = 0;
  while (words + numbers < 6) {
    const start = i;
    // (A number may stand among the words, "blossom 40 lemon quartz", as generators and people put one in.)
    if (isDigit(text.charCodeAt(i))) {
      while (i < text.length && i - start < 4 && isDigit(text.charCodeAt(i))) i++;
      if (isDigit(text.charCodeAt(i)) || numbers > 0) return -1;
      numbers++;
    } else {
      while (i < text.length && i - start <= 16 && isAsciiLetter(text.charCodeAt(i))) i++;
      const len = i - start;
      const word = text.slice(start, i).toLowerCase();
      if (len < 3 || len > 16 || FUNCTION_WORDS.has(word) || PLACEHOLDER.test(word) || word.startsWith('pass')) return -1;
      words++;
    }
    const next = text.charCodeAt(i + 1);
    if (text.charCodeAt(i) !== 32 || !(isAsciiLetter(next) || isDigit(next))) break;
    i++;
  }
  if (words < (article ? 4 : 3) || (i < text.length && (isAsciiLetter(text.charCodeAt(i)) || isDigit(text.charCodeAt(i))))) return -1;
  return endsField(text, i) || /^(?:[!?](?:\s|$)| \(| [-—–] )/.test(text.slice(i, i + 3)) ? i : -1;
}
