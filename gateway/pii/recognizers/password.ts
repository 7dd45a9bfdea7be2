// PASSWORD: the value after a password cue (`password:`, `pwd=`, `"password": "…"`, `DB_PASSWORD=`,
// `--password x`, `<password>…</password>`, "my password is …" in several languages) and the password inside
// connection strings `scheme://user:pass@host`. Placeholders (`***`, `${DB_PASS}`, `<password>`) are skipped.
import type { Detection, Recognizer, ScanState } from '../types.ts';
import { charClasses, isAsciiLetter, isLower, isUpper, isWordChar } from '../text-utils.ts';
import { eachCue } from './cues.ts';

// Completes a `pass` cue found by the shared cue scan: password, passwd, Passwort, passphrase, passe, passord.
const PASS_SUFFIX = /(?:word|wd|wort|phrase|code|ord|e)?/iy;
const ASSIGN = /\\?["']?[ \t\u00a0]{0,3}(?:[:=]|=>|:=)[ \t\u00a0]{0,3}/y;
const NATURAL = /[ \t]{1,3}(?:is|ist|est|es|lautet|was|är|er|jest|é|è)[ \t]{1,3}(?:now[ \t]|jetzt[ \t]|maintenant[ \t]|ahora[ \t])?/iy;
const USERINFO = /([^\s:/@"'<>]{1,64}):([^\s/@"'<>]{1,128})@(?=[\w[.-])/y;
const MAX_VALUE = 128;
const NEXT_PARAM = /^&[A-Za-z_][\w.-]*=/;
const QUOTED_AFTER_SPACE = /^[ \t]{1,3}["']/;

const PLACEHOLDER =
  /^(?:\*+|x+|\.+|…|-+|\?+|<[^>]*>|\[[^\]]*\]|\$\{?[A-Za-z_]\w*\}?|\{\{.*\}\}|\{[A-Za-z_]\w*\}|%\(?\w+\)?s?|%[A-Za-z_]\w*%|redacted|null|none|nil|undefined|true|false|empty|required|optional|string|str|text|hidden|masked|secret|password|passwd|pass|pwd|changeme|your[_-]?\w*|mypassword|n\/a|tbd|todo)$/i;
const CODE_REFERENCE = /^(?:process\.env|os\.environ|os\.getenv|getenv|env\(|env\.|config\.|settings\.|self\.|this\.|args\.|req\.|request\.|user\.|input\.|params\.)|\w\(|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/;
const PASSWORD_FIELD = /^(?:[\w-]*?[_-])?(?:password|passwd|pwd|pass|passphrase|passwort|kennwort|contraseña|mot_de_passe|senha)$|[a-z](?:Password|Passwd|Pwd)$/i;

// Characters that end an unquoted value.
const isStop = (c: number): boolean =>
  c <= 32 || c === 34 || c === 39 || c === 96 || c === 44 || c === 59 || c === 38 || c === 60 || c === 62 || c === 41 || c === 93 || c === 125 || c === 92;

function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || CODE_REFERENCE.test(value);
}

/** Looks like a chosen password rather than a word of prose: digits, symbols or mixed case. */
function strong(value: string): boolean {
  if (value.length < 6) return false;
  const c = charClasses(value);
  return c.digit || c.other || (c.upper && c.lower && !/^[A-Z][a-z]+$/.test(value));
}

/** Left boundary: `password`, `DB_PASSWORD`, `dbPassword`, `PGPASSWORD` — but not `bypass` or `compass`. */
function cueStartsWord(text: string, start: number, cue: string): boolean {
  if (start === 0) return true;
  const prev = text.charCodeAt(start - 1);
  if (!isWordChar(prev) || prev === 95) return true;
  const first = cue.charCodeAt(0);
  if (isLower(prev) && isUpper(first)) return true; // camelCase: dbPassword
  if (isUpper(prev) && cue === cue.toUpperCase()) return true; // SCREAMING: PGPASSWORD
  return false;
}

interface ValueSpan {
  start: number;
  end: number;
  quoted: boolean;
}

function readValue(text: string, from: number): ValueSpan | undefined {
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
  while (i > start && /[.:]/.test(text[i - 1] ?? '') && (i === text.length || text.charCodeAt(i) <= 32)) i--;
  if (i === start) return undefined;
  return { start, end: i, quoted: false };
}

/** Whether only punctuation/whitespace follows `end` up to the end of the line (the value is the whole field). */
function endsField(text: string, end: number): boolean {
  for (let i = end; i < text.length && i < end + 64; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
    if (c === 44 || c === 59 || c === 38 || c === 34 || c === 39 || c === 125 || c === 41 || c === 93 || c === 46 || c === 92) return true;
    if (c > 32) return false;
  }
  return true;
}

// A cue inside a value already taken is skipped (eachCue).
function detectCued(text: string, scan: ScanState, out: Detection[]): void {
  eachCue(text, scan, 'password', (cueStart, cueAt) => {
    let cueEnd = cueAt;
    if ((text.charCodeAt(cueStart) | 32) === 112 && (text.charCodeAt(cueStart + 1) | 32) === 97) {
      PASS_SUFFIX.lastIndex = cueEnd;
      if (PASS_SUFFIX.exec(text)) cueEnd = PASS_SUFFIX.lastIndex;
    }
    const cue = text.slice(cueStart, cueEnd);
    const m = { index: cueStart };
    if (!cueStartsWord(text, m.index, cue)) return undefined;
    const next = text.charCodeAt(cueEnd);
    if (isAsciiLetter(next) || (next >= 48 && next <= 57) || (next >= 0xc0 && next < 0x2000)) return undefined; // passwords, passenger …

    let span: ValueSpan | undefined;
    let confidence = 0;
    ASSIGN.lastIndex = cueEnd;
    if (ASSIGN.exec(text)) {
      span = readValue(text, ASSIGN.lastIndex);
      if (span) {
        const value = text.slice(span.start, span.end);
        if (span.quoted) confidence = value.length >= 3 ? 0.9 : 0;
        else if (strong(value)) confidence = 0.85;
        else if (value.length >= 4 && endsField(text, span.end)) confidence = 0.75;
      }
    } else if (next === 62 /* > */ && text.charCodeAt(m.index - 1) === 60 /* < */) {
      const close = text.slice(cueEnd + 1, cueEnd + 2 + MAX_VALUE).indexOf('<');
      if (close > 2) {
        span = { start: cueEnd + 1, end: cueEnd + 1 + close, quoted: true };
        confidence = 0.9;
      }
    } else if (QUOTED_AFTER_SPACE.test(text.slice(cueEnd, cueEnd + 5))) {
      // `password "K8s!sFun2024"`: a quoted, password-like value right after the cue.
      span = readValue(text, cueEnd + text.slice(cueEnd, cueEnd + 5).search(/["']/));
      if (span && strong(text.slice(span.start, span.end))) confidence = 0.8;
    } else {
      const flag = text.startsWith('--', m.index - 2) && next === 32;
      NATURAL.lastIndex = cueEnd;
      if (flag || NATURAL.exec(text)) {
        span = readValue(text, flag ? cueEnd + 1 : NATURAL.lastIndex);
        if (span && strong(text.slice(span.start, span.end))) confidence = flag ? 0.85 : 0.8;
      }
    }
    if (!span || confidence === 0) return undefined;
    const value = text.slice(span.start, span.end);
    if (isPlaceholder(value)) return undefined;
    out.push({ entity: 'PASSWORD', start: span.start, end: span.end, confidence, detector: 'password.cue' });
    return span.end;
  });
}

function detectConnectionStrings(text: string, out: Detection[]): void {
  for (let i = text.indexOf('://'); i !== -1; i = text.indexOf('://', i + 3)) {
    let s = i;
    while (s > 0 && i - s < 24 && /[A-Za-z0-9+.-]/.test(text[s - 1] ?? '')) s--;
    if (i - s < 2) continue;
    USERINFO.lastIndex = i + 3;
    const m = USERINFO.exec(text);
    if (!m || m[2] === undefined) continue;
    const password = m[2];
    if (isPlaceholder(password)) continue;
    const start = i + 3 + (m[1] ?? '').length + 1;
    out.push({ entity: 'PASSWORD', start, end: start + password.length, confidence: 0.9, detector: 'password.connection_string' });
  }
}

export const passwordRecognizer: Recognizer = {
  name: 'password',
  entities: ['PASSWORD'],
  detect(text: string, scan: ScanState, out: Detection[]): void {
    detectCued(text, scan, out);
    if (text.indexOf('://') !== -1) detectConnectionStrings(text, out);
    if (scan.fieldName !== undefined && PASSWORD_FIELD.test(scan.fieldName)) {
      const value = text.trim();
      if (value.length >= 3 && value.length <= MAX_VALUE && !/\s/.test(value) && !isPlaceholder(value)) {
        const start = text.indexOf(value);
        out.push({ entity: 'PASSWORD', start, end: start + value.length, confidence: 0.9, detector: 'password.field' });
      }
    }
  },
};
