// PASSWORD: the value after a password cue in any of several languages (`password:`, `pwd=`, `"password": "…"`,
// `DB_PASSWORD=`, `PASSWORD_DB=`, `--password x`, `-storepass x`, `requirepass x`, `<password>…</password>`,
// `key="DbPassword" value="…"`, `name="…password">…<`, "my password is …", "I typed … as the password", "Passwort lautet …", "パスワードは…", "пароль …"), pass phrases of plain words,
// passwords in tables under a password column, user/password pairs and lists (credential-pairs.ts), command lines
// (password-cli.ts), and the password inside connection strings `scheme://user:pass@host`, DSNs
// `user:pass@tcp(host)` and `address:password` combos. Placeholders (`***`, `${DB_PASS}`, `<password>`) and prose
// about passwords ("must be 12 characters", "see the vault") are skipped.
import type { Detection, Recognizer, ScanState } from '../types.ts';
import { isAsciiLetter, isDigit, isLower, isUpper, isWordChar, lineBefore } from '../text-utils.ts';
import { readPairs, detectCredentialPairs } from './credential-pairs.ts';
import { detectConnectCalls } from './password-call-args.ts';
import { detectStrengthQuestions } from './password-strength-question.ts';
import { eachCue } from './cues.ts';
import { detectCommandLines, detectCommandWord } from './password-cli.ts';
import { endsField, isPlaceholder, isSetting, isUrlPlaceholder, MAX_VALUE, passphraseEnd, passwordOrKey, readValue, strong, strongNotNumber, VALUE_KEY_AFTER_NAME, type ValueSpan } from './password-value.ts';
import { eachCellBelow } from './table-columns.ts';

// Completes a `pass` cue found by the shared cue scan: password, passwd, Passwort, passphrase, passe, passord(et).
const PASS_SUFFIX = /(?:word|wd|wort|[ -]?phrase|code|ord(?:et)?|e)?/iy;
// Endings some languages add to the word itself, read on as part of the cue: Turkish and Finnish possessives
// (şifrem "my password", şifreniz; salasanani, salasanasi), Hungarian's (jelszavam), Scandinavian definite
// forms (lösenordet, adgangskoden).
const INFLECTIONS: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [/^(?:[şs]ifre|parola)$/i, /(?:miz|niz|m|n|si)(?![\p{L}\p{N}])/iuy],
  [/^salasana$/i, /(?:ni|si|nsa|mme|nne)(?![\p{L}\p{N}])/iuy],
  [/^jelszav$/i, /(?:am|ad|a|unk|atok|uk)(?![\p{L}\p{N}])/iuy],
  [/^(?:lösenord|adgangskode)$/i, /(?:et|en|n)(?![\p{L}\p{N}])/iuy],
];
/** Passwords someone tried, later in the sentence: "… my password and I already tried X and Y". */
const TRIED = /[ \t](?:tried|typed|entered|used|probiert|versucht|essayé|intenté|probé|tentei|provato)[ \t]+(?:both[ \t]+|with[ \t]+)?/i;
const LIST_AND = /[ \t]*,?[ \t]+(?:and|or|und|oder|et|ou|y|o|e)[ \t]+|[ \t]*,[ \t]*/iy;
const MAX_TRIED = 5;
// (Go's `:=` before a lone ':'; SQL Server's N'…' literal reads as the quoted value; `config['MAIL_PASSWORD'] = …`.)
const ASSIGN = /\\?["']?[)\]]?[ \t]{0,3}(?::=|=>|[:=]|->|→)[ \t]{0,3}(?:N(?='))?/y;
/** Terraform's `variable "admin_password" { … default = "…" }`: the default in the block the name opens. */
const DEFAULT_IN_BLOCK = /["'][ \t]*\{[^{}]{0,200}?\bdefault[ \t]*=[ \t]*/y;
/** A quoted name, then the value as the next argument: `define('DB_PASSWORD', '…')`, `setProperty("…Password", "…")`. */
const NEXT_ARGUMENT = /["'][ \t]*,[ \t]*(?=["'])/y;
/** The quoted cue is a member's value (`"format": "password", …`) or a cell of a list (`"Username","Password",…`), not a name. */
const VALUE_OF_A_LIST = /[:,][ \t]*["'][\w.-]*$/;
const ATTRIBUTE_VALUE = /\\?["'][ \t]+value[ \t]*=[ \t]*(?=["'])/iy; // <add key="DbPassword" value="…" />
const CONNECTOR = '(?:is|are|ist|est|este|es|lautet|was|war|era|était|är|er|je|jest|é|è|on|to|adalah|là|είναι|هي|היא|הוא|है|=|[-–—])';
// "password is …", "password's …", "Пароль - …", with an adverb between ("is literally …", "ist jetzt …").
const NATURAL = new RegExp(`(?:[ \\t]{1,3}${CONNECTOR}|['’]s)[ \\t]{1,3}(?:(?:now|jetzt|maintenant|ahora|agora|ora|nu|still|just|also|again|already|[a-z]{3,}ly)[ \\t]{1,3})?`, 'iy');
const CJK_CONNECTOR_CHARS = 'はが是为為는은';
const CJK_CONNECTOR = new RegExp(`[ \\t]?[${CJK_CONNECTOR_CHARS}][ \\t]?`, 'y');
/** A few words between the cue and its value: "password for the PDF: …", "пароль від wifi: …". */
const WORDS_THEN_CONNECTOR = new RegExp(`(?:[ \\t][\\p{L}\\p{N}][\\p{L}\\p{N}.'’-]{0,38}){1,6}?(?:[ \\t]?:|[ \\t]${CONNECTOR}[ \\t])[ \\t]{0,3}`, 'iuy');
/** A few words, then the password's new value ("password for the camera was changed to …", "set my pw to …"). */
const WORDS_THEN_CHANGED_TO = /(?:[ \t][\p{L}\p{N}][\p{L}\p{N}.'’-]{0,38}){0,5}?[ \t](?:changed|set|reset|updated|switched)[ \t]+(?:it[ \t]+)?to[ \t]+/iuy;
const CHANGED_TO_END = /[ \t](?:changed|set|reset|updated|switched)[ \t]+(?:it[ \t]+)?to[ \t]+$/i;
/** The same words up to a colon, read past a connector-like word ("password issued to new hire: …"). */
const WORDS_THEN_COLON = /(?:[ \t][\p{L}\p{N}][\p{L}\p{N}.'’-]{0,38}){1,6}?[ \t]?:[ \t]{0,3}/iuy;
/** Words that make the sentence about the password, not its value ("password reset link:", "policy: …"). */
const ABOUT_THE_PASSWORD = /reset|polic|hash|field|length|expir|chang|last|\bmin|\bmax|rule|requir|strength|hint|complex|histor|\bage\b|attempt|prompt|manager|recover|format|protect|stor|generat|valid|entropy|salt|forgot|\bapi\b/i;
const QUOTED_AFTER_SPACE = /^[ \t]{1,3}["']/;
const SPACE = /[ \t]{1,3}(?=[^\s-])/y;
/** Stems that need an assignment or a connector; full words may also be followed by the value alone. */
const SHORT_CUE = /^(?:pass|passe|pw|pwd|mdp|clave|parola|psk)$/i;
/** What the password is for, or whose ("mot de passe root …", "password admin …", "kata sandi saya …"), between the cue and the value. */
const FOR_WHAT = /[ \t]{1,3}(?:(?:for|от|для|für|pour|para|per|voor)[ \t]{1,3}[\p{L}\d._-]{1,24}|root|admin|administrator|sudo|sa|postgres|saya|anda|kamu|aku)(?=[ \t])/iuy;
/** Abbreviations no word shares: like full names, they take a strong value alone ("laptop pw Candle540meadow"). */
const PW = /^pwd?$/i;
/** Lower-case words that form a password name with a following `pass…`: storepass, keypass, requirepass, vncpasswd. */
const COMPOUND_PREFIX = /(?:require|store|key|src|dest|new|old|db|root|admin|vnc|smtp|mail|sasl|ldap|bind|wifi|wpa|app|api|proxy|ftp|rpc|login|default|initial|temp|sys|master|http|basic|my)$/i;
/** "user and password: alice, S3cret!" — the cue names a pair, so the first value is the user name. */
const PAIR_BEFORE = /(?:user(?:name)?|login|benutzer(?:name)?|utilisateur|usuario|usuário|utente|gebruiker|account)[ \t]*(?:and|&|\/|,|und|et|y|e|en)[ \t]*$/i;
const COMMAND_NAME = /(?:(?<![a-z])(?:ht|ch)passwd|\.pgpass|(?<![a-z])wpa_passphrase)$/;
const USERINFO = /([^\s:/@"'<>]{1,64}):([^\s/@"'<>]{1,128})@(?=[\w[.-])/y;
/** After a scheme the user may be empty: `redis://:password@host`. */
const SCHEME_USERINFO = /([^\s:/@"'<>]{0,64}):([^\s/@"'<>]{1,128})@(?=[\w[.-])/y;
/** A short cue that is the last word of a full name ("mot de passe"), or follows a user name in a list ("login admin, pwd …"). */
const FULL_NAME_BEFORE = /(?:mot de |(?:login|user(?:name)?|benutzer|usuario|utilisateur|utente)\b[^,;\n]{1,40}[,;][ \t]*)$/i;
/** A second password in the same sentence: "… is Sp1derm@n and the sudo one is V3nom#2". */
const ANOTHER_ONE = /[,;]?[ \t]+(?:and|but|while|und|et|y)[ \t]+(?:the|my|our|for)[ \t]+[\p{L}-]{1,20}(?:[ \t]+(?:one|password|pw))?[ \t]+(?:is|was|it's)[ \t]+/iuy;
const LIST_ITEM_BEFORE = /(?:^|[,;:|(][ \t]*)$/;
/** The rest of a name the cue starts (`PASSWORD_DB=`, `SENHA_BANCO=`), read on only when an assignment follows. */
const NAME_REST = /_[A-Za-z0-9_]{1,32}(?=\\?["']?[ \t]{0,3}(?::=|=>|[:=]))/y;
/** Name parts that make the setting about the password, not the password (PASSWORD_FILE, PASSWORD_MIN_LENGTH). */
const NOT_VALUE_NAME = /file|path|dir|env|var|name|\bid\b|ref|url|uri|type|mode|enabl|len|count|cmd|command|script|\bmin\b|\bmax\b|\bttl\b|days/i;
// The element's text after an attribute naming the setting (`<property name="hibernate.connection.password">…<`,
// `<prop key="…password">`, `<entry key="password">`), or after a name element (Hadoop's `<name>…Password</name>
// <value>…</value>`, a plist's `<key>Password</key><string>…</string>`).
const ELEMENT_AFTER_NAME_ATTRIBUTE = /["'][ \t]*>/y;
const NAME_ATTRIBUTE_BEFORE = /\b(?:name|key|property)[ \t]*=[ \t]*["'][^"'<>]*$/i;
const ELEMENT_AFTER_NAME_ELEMENT = /<\/(?:name|key)>\s{0,40}<(?:value|string)>/iy;
// Chat style, the value before the cue: "I typed X as the password", "tried X for my password", "X ist mein Passwort".
const VALUE_BEFORE_CUE =
  /(?:^|[\s(])(["'“‘]?)([^\s"'“”‘’]{4,128})\1[ \t]+(?:as|for|is|was|als|ist|war|comme|est|como|es|come|è)[ \t]+(?:(?:the|my|our|your|his|her|their|its|a|an|das|ein|mein|unser|le|mon|notre|el|mi|il|mio|o|meu)[ \t]+)?(?:[\p{L}-]{1,20}[ \t]+){0,2}$/diu;
/** The question form: "is X a good password?", "would 'X' be a strong passphrase". */
const VALUE_ASKED_BEFORE_CUE =
  /(?:^|[\s(])(?:is|was|would|isn't|ist|est|es|è|é)[ \t]+(["'“‘]?)([^\s"'“”‘’]{4,128})\1[ \t]+(?:be[ \t]+)?(?:a|an|ein|eine|un|une|uma|um|una)[ \t]+(?:[\p{L}-]{1,20}[ \t]+){0,2}$/diu;
const ARTICLE = /[ \t](?:a|an|ein|eine|un|une|uma|um|una)[ \t]/i;
/** After such a cue the clause ends ("… as the password, caps lock is off"; German puts the verb last: "… als Passwort
 * eingegeben"): "as the password manager" names something else. */
const CLAUSE_ENDS = /^(?:[ \t]*(?:[,.;:!?)\]—–\r\n-]|$)|[ \t]+(?:and|but|for|on|in|to|at|with|because|when|since|so|still|again|twice|und|aber|et|mais|y|pero|e|ma)\b|[ \t]+(?:(?:ein|an)?ge\p{L}{2,}(?:t|en)|verwendet|benutzt|probiert|versucht)(?![\p{L}]))/iu;
/** A question about the password ending the line; the answer opens the next line, maybe quoted (`> …`) or after a speaker. */
const ANSWER_NEXT_LINE = /[^\n?]{0,40}\?[ \t]*\r?\n(?:[ \t]*>)*[ \t]*(?:[\p{L}][\w.-]{0,20}:[ \t]+)?/uy;
const PASSWORD_FIELD = /^(?:[\w-]*?[_-])?(?:password|passwd|pwd|pass|passphrase|passwort|kennwort|contraseña|mot_de_passe|senha)$|[a-z](?:Password|Passwd|Pwd)$/i;

/** Left boundary: `password`, `DB_PASSWORD`, `dbPassword`, `PGPASSWORD`, `storepass` — not `bypass`, `compass`. */
function cueStartsWord(text: string, start: number, cue: string): boolean {
  if (start === 0) return true;
  const prev = text.charCodeAt(start - 1);
  if (prev >= 0x5d0 && prev <= 0x5ea) return true; // Hebrew writes "the", "and" … on the word: הסיסמה
  if (!isWordChar(prev) || prev === 95) return true;
  const first = cue.charCodeAt(0);
  if (isLower(prev) && isUpper(first)) return true; // camelCase: dbPassword
  if (isUpper(prev) && cue === cue.toUpperCase()) return true; // SCREAMING: PGPASSWORD
  return isLower(first) && COMPOUND_PREFIX.test(lineBefore(text, start, 8));
}

/** Whether the cue ends the name of an element: `<password>`, `<smtpPassword>`, `<db:password>`. */
function tagNameStartsAt(text: string, cueStart: number): boolean {
  let s = cueStart;
  while (s > 0 && cueStart - s < 40 && /[\w:.-]/.test(text[s - 1]!)) s--;
  return text.charCodeAt(s - 1) === 60 /* < */;
}

/** Whether the cue is a command-line flag: `--password x`, `-storepass x`, `-pw x`. */
function isFlag(text: string, cueStart: number): boolean {
  let s = cueStart;
  while (s > 0 && cueStart - s < 12 && isAsciiLetter(text.charCodeAt(s - 1))) s--;
  let dashes = 0;
  while (s > 0 && dashes < 2 && text.charCodeAt(s - 1) === 45) {
    s--;
    dashes++;
  }
  return dashes > 0 && (s === 0 || /\s/.test(text[s - 1]!));
}

interface Found {
  span: ValueSpan;
  confidence: number;
}

/** A pass phrase of plain words at `from`, or a chosen-looking value, judged for a cue with no assignment. */
function phraseOrStrong(text: string, from: number, confidence: number): Found | undefined {
  const phrase = passphraseEnd(text, from);
  if (phrase > 0) return { span: { start: from, end: phrase, quoted: false }, confidence };
  const span = readValue(text, from);
  if (!span) return undefined;
  const value = text.slice(span.start, span.end);
  if (span.quoted) return strong(value) || passphraseEnd(text, span.start) > 0 || (value.length >= 4 && !/\s/.test(value)) ? { span, confidence } : undefined;
  return strongNotNumber(value) ? { span, confidence } : undefined;
}

/** The value a password cue introduces, by the syntaxes people and configs use. */
function valueAfterCue(text: string, cueStart: number, cueEnd: number, cue: string): Found | undefined {
  let first = cueEnd;
  while (first < text.length && first - cueEnd < 4 && (text.charCodeAt(first) === 32 || text.charCodeAt(first) === 9)) first++;
  // Text in a script without spaces right after the cue, other than a connector (は, 是 …): no value here.
  const c = text.charCodeAt(first);
  if (first >= text.length || (c >= 0x2e80 && !CJK_CONNECTOR_CHARS.includes(text[first]!))) return undefined;
  VALUE_KEY_AFTER_NAME.lastIndex = cueEnd;
  DEFAULT_IN_BLOCK.lastIndex = cueEnd;
  if (VALUE_KEY_AFTER_NAME.exec(text) || DEFAULT_IN_BLOCK.exec(text)) {
    const span = readValue(text, Math.max(VALUE_KEY_AFTER_NAME.lastIndex, DEFAULT_IN_BLOCK.lastIndex));
    return span && span.end - span.start >= 3 ? { span, confidence: 0.85 } : undefined;
  }
  ASSIGN.lastIndex = cueEnd;
  if (ASSIGN.exec(text)) {
    const from = ASSIGN.lastIndex;
    const span = readValue(text, from);
    if (!span) return undefined;
    const value = text.slice(span.start, span.end);
    if (span.quoted) return value.length >= 3 ? { span, confidence: 0.9 } : undefined;
    if (strong(value)) return { span, confidence: 0.85 };
    const phrase = passphraseEnd(text, from);
    if (phrase > 0) return { span: { start: from, end: phrase, quoted: false }, confidence: 0.8 };
    return value.length >= 4 && endsField(text, span.end) ? { span, confidence: 0.75 } : undefined;
  }
  ATTRIBUTE_VALUE.lastIndex = cueEnd;
  if (ATTRIBUTE_VALUE.exec(text)) {
    const span = readValue(text, ATTRIBUTE_VALUE.lastIndex);
    return span ? { span, confidence: 0.9 } : undefined;
  }
  NEXT_ARGUMENT.lastIndex = cueEnd;
  if (NEXT_ARGUMENT.exec(text) && !VALUE_OF_A_LIST.test(lineBefore(text, cueStart, 48))) {
    const span = readValue(text, NEXT_ARGUMENT.lastIndex);
    return span && span.end - span.start >= 3 ? { span, confidence: 0.85 } : undefined;
  }
  const element = elementText(text, cueStart, cueEnd);
  if (element) return { span: element, confidence: 0.85 };
  const next = text.charCodeAt(cueEnd);
  if (next === 62 /* > */ && tagNameStartsAt(text, cueStart)) {
    // (The element's text up to its closing tag: `<password> and <username>` in prose are two tags.)
    const close = text.slice(cueEnd + 1, cueEnd + 2 + MAX_VALUE).indexOf('</');
    return close > 2 && text.charCodeAt(cueEnd + 1) !== 32 ? { span: { start: cueEnd + 1, end: cueEnd + 1 + close, quoted: true }, confidence: 0.9 } : undefined;
  }
  CJK_CONNECTOR.lastIndex = cueEnd;
  if (CJK_CONNECTOR.exec(text)) {
    const span = readValue(text, CJK_CONNECTOR.lastIndex);
    return span && strong(text.slice(span.start, span.end)) ? { span, confidence: 0.85 } : undefined;
  }
  if (QUOTED_AFTER_SPACE.test(text.slice(cueEnd, cueEnd + 5))) {
    // `password "K8s!sFun2024"`, SQL `PASSWORD 'S3cret!'`: a quoted value right after the cue.
    const found = phraseOrStrong(text, cueEnd + text.slice(cueEnd, cueEnd + 5).search(/["']/), 0.8);
    if (found) return found;
  }
  if (isFlag(text, cueStart)) {
    SPACE.lastIndex = cueEnd;
    if (!SPACE.exec(text)) return undefined;
    const span = readValue(text, SPACE.lastIndex);
    return span && span.end - span.start >= 4 && !isPlaceholder(text.slice(span.start, span.end)) ? { span, confidence: 0.85 } : undefined;
  }
  NATURAL.lastIndex = cueEnd;
  if (NATURAL.exec(text)) {
    const found = phraseOrStrong(text, NATURAL.lastIndex, 0.8);
    if (found) return found;
  }
  for (const re of [WORDS_THEN_CONNECTOR, WORDS_THEN_COLON, WORDS_THEN_CHANGED_TO]) {
    re.lastIndex = cueEnd;
    const words = re.exec(text);
    // (The change itself is not about the password's rules: only the words before it are judged.)
    if (!words || ABOUT_THE_PASSWORD.test(re === WORDS_THEN_CHANGED_TO ? words[0].replace(CHANGED_TO_END, '') : words[0])) continue;
    const found = phraseOrStrong(text, re.lastIndex, 0.75);
    if (found) return found;
  }
  // (`requirepass x`, `-storepass x`: a short stem ending a compound name is a full name; so is FTP's and POP3's
  // `PASS x` command opening a line.)
  const command = cue === 'PASS' && lineBefore(text, cueStart, 8).trim() === '';
  if (SHORT_CUE.test(cue) && !PW.test(cue) && !command && !isLower(text.charCodeAt(cueStart - 1)) && !FULL_NAME_BEFORE.test(lineBefore(text, cueStart, 64))) return undefined;
  // `machine … login bob password S3cret!`, `requirepass S3cret!`, "Мой пароль S3cret!": the value alone, also
  // after what it is for ("password for gmail S3cret!", "пароль от почты S3cret!").
  FOR_WHAT.lastIndex = cueEnd;
  SPACE.lastIndex = FOR_WHAT.exec(text) ? FOR_WHAT.lastIndex : cueEnd;
  if (!SPACE.exec(text)) return undefined;
  // "network Guest, password meadow quartz river": a pass phrase ending the field, where the cue starts an item of
  // a list or a line (in a sentence, "my password never works anymore" is prose).
  const phrase = LIST_ITEM_BEFORE.test(lineBefore(text, cueStart, 4)) ? passphraseEnd(text, SPACE.lastIndex) : -1;
  if (phrase > 0 && !ABOUT_THE_PASSWORD.test(text.slice(SPACE.lastIndex, phrase))) return { span: { start: SPACE.lastIndex, end: phrase, quoted: false }, confidence: 0.75 };
  const span = readValue(text, SPACE.lastIndex);
  // (A word ending in a colon labels what follows: "Passwort für den Admin-Zugang: …".)
  if (!span || span.quoted || text[span.end] === ':') return undefined;
  const value = text.slice(span.start, span.end);
  // (An identifier's `name=value` is a setting, not the password.)
  return strongNotNumber(value) && !isSetting(value) && !value.startsWith('(') ? { span, confidence: 0.8 } : undefined;
}

function detectCued(text: string, scan: ScanState, out: Detection[]): void {
  eachCue(text, scan, 'password', (cueStart, cueAt) => {
    let cueEnd = cueAt;
    if ((text.charCodeAt(cueStart) | 32) === 112 && (text.charCodeAt(cueStart + 1) | 32) === 97) {
      PASS_SUFFIX.lastIndex = cueEnd;
      if (PASS_SUFFIX.exec(text)) cueEnd = PASS_SUFFIX.lastIndex;
    }
    const inflection = INFLECTIONS.find(([stem]) => stem.test(text.slice(cueStart, cueEnd)))?.[1];
    if (inflection) {
      inflection.lastIndex = cueEnd;
      if (inflection.exec(text)) cueEnd = inflection.lastIndex;
    }
    // Thai writes the connector คือ ("is") on, without a space.
    if (text.startsWith('คือ', cueEnd)) cueEnd += 3;
    const cue = text.slice(cueStart, cueEnd);
    // htpasswd, chpasswd, .pgpass, wpa_passphrase: commands and files that hold passwords.
    const command = COMMAND_NAME.exec(text.slice(Math.max(0, cueStart - 5), cueEnd).toLowerCase());
    // (`wpa_passphrase=…` in a config file is a setting name, read on below.)
    if (command && (command[0] !== 'wpa_passphrase' || /[ \t]/.test(text[cueEnd] ?? ''))) return detectCommandWord(text, command[0], cueEnd - command[0].length, cueEnd, out);
    if (!cueStartsWord(text, cueStart, cue) && !isFlag(text, cueStart)) return undefined;
    const next = text.charCodeAt(cueEnd);
    if (isAsciiLetter(next) || isDigit(next) || (next >= 0xc0 && next < 0x2000)) return undefined; // passwords, passenger …
    NAME_REST.lastIndex = cueEnd;
    if (next === 95 /* _ */ && NAME_REST.exec(text)) {
      const rest = text.slice(cueEnd, NAME_REST.lastIndex);
      // (`password_attempt=…` in a log holds the password someone tried.)
      if (NOT_VALUE_NAME.test(rest.replace(/_/g, ' ')) || (ABOUT_THE_PASSWORD.test(rest) && !/^_attempt(?:ed)?$/i.test(rest))) return NAME_REST.lastIndex;
      cueEnd = NAME_REST.lastIndex;
    }

    const tableEnd = eachCellBelow(text, cueStart, cueEnd, (start, end) => {
      if (end - start >= 3 && end - start <= MAX_VALUE && !isPlaceholder(text.slice(start, end))) out.push({ entity: 'PASSWORD', start, end, confidence: 0.85, detector: 'password.column' });
    });
    if (tableEnd !== undefined) return tableEnd;
    ASSIGN.lastIndex = cueEnd;
    if (ASSIGN.exec(text) && PAIR_BEFORE.test(lineBefore(text, cueStart, 32))) {
      const end = readPairs(text, ASSIGN.lastIndex, out, 0.85);
      if (end !== undefined) return end;
    }
    const found = valueAfterCue(text, cueStart, cueEnd, cue) ?? numericPasscode(text, cueEnd, cue);
    if (!found) return triedValues(text, cueEnd, out) ?? answerNextLine(text, cueStart, cueEnd, out) ?? valueBeforeCue(text, cueStart, cueEnd, out);
    const value = text.slice(found.span.start, found.span.end);
    if (isPlaceholder(value)) return undefined;
    out.push({ entity: passwordOrKey(value), start: found.span.start, end: found.span.end, confidence: found.confidence, detector: 'password.cue' });
    ANOTHER_ONE.lastIndex = found.span.end;
    if (!ANOTHER_ONE.exec(text)) return found.span.end;
    const second = phraseOrStrong(text, ANOTHER_ONE.lastIndex, found.confidence - 0.05);
    if (!second || isPlaceholder(text.slice(second.span.start, second.span.end))) return found.span.end;
    out.push({ entity: 'PASSWORD', start: second.span.start, end: second.span.end, confidence: second.confidence, detector: 'password.cue' });
    return second.span.end;
  });
}

/** A passcode is often digits only ("the Zoom passcode for the meeting is 80402"), which no other value rule takes. */
const PASSCODE = /^(?:pass[ -]?code|(?:unlock|master|door|alarm) code)$/i;
const DIGITS_AFTER = /(?:[ \t]+(?:for|of)[ \t]+[^\n:=]{1,40}?)?(?:(?:[ \t]{1,3}(?:is|was|=|to)|[ \t]*[:=])[ \t]{1,3}(\d{4,10})(?![\w-])|[ \t]{1,3}(\d{4,10})(?=[,;)]|\.?$|\.?\r?\n|\.[ \t]))/y;

function numericPasscode(text: string, cueEnd: number, cue: string): Found | undefined {
  if (!PASSCODE.test(cue)) return undefined;
  DIGITS_AFTER.lastIndex = cueEnd;
  const digits = DIGITS_AFTER.exec(text)?.filter((g, i) => i > 0 && g !== undefined)[0];
  if (digits === undefined) return undefined;
  const end = DIGITS_AFTER.lastIndex;
  return { span: { start: end - digits.length, end, quoted: false }, confidence: 0.8 };
}

/** The text of the element that a `name="…password"` attribute or a `<name>…password</name>` element names. */
function elementText(text: string, cueStart: number, cueEnd: number): ValueSpan | undefined {
  ELEMENT_AFTER_NAME_ATTRIBUTE.lastIndex = cueEnd;
  ELEMENT_AFTER_NAME_ELEMENT.lastIndex = cueEnd;
  let from: number;
  if (ELEMENT_AFTER_NAME_ATTRIBUTE.exec(text) && NAME_ATTRIBUTE_BEFORE.test(lineBefore(text, cueStart, 64))) from = ELEMENT_AFTER_NAME_ATTRIBUTE.lastIndex;
  else if (ELEMENT_AFTER_NAME_ELEMENT.exec(text)) from = ELEMENT_AFTER_NAME_ELEMENT.lastIndex;
  else return undefined;
  const close = text.slice(from, from + MAX_VALUE + 1).indexOf('<');
  const value = close < 0 ? '' : text.slice(from, from + close);
  // (`<input name="password">` is followed by markup or a label, not by a value.)
  return value.length >= 3 && !/\s/.test(value) && !isPlaceholder(value) ? { start: from, end: from + close, quoted: true } : undefined;
}

/** "what's the admin pw?" answered on the next line ("> FJRG%twtuj755? — it's in the vault"). */
function answerNextLine(text: string, cueStart: number, cueEnd: number, out: Detection[]): number | undefined {
  ANSWER_NEXT_LINE.lastIndex = cueEnd;
  if (!ANSWER_NEXT_LINE.exec(text)) return undefined;
  const question = lineBefore(text, cueStart, 64) + text.slice(cueEnd, ANSWER_NEXT_LINE.lastIndex);
  if (ABOUT_THE_PASSWORD.test(question)) return undefined;
  const span = readValue(text, ANSWER_NEXT_LINE.lastIndex);
  if (!span || span.quoted || !/^(?:\s|[,;.!]|$)/.test(text.slice(span.end, span.end + 1))) return undefined;
  const value = text.slice(span.start, span.end);
  if (!strongNotNumber(value) || isPlaceholder(value)) return undefined;
  out.push({ entity: 'PASSWORD', start: span.start, end: span.end, confidence: 0.75, detector: 'password.answer' });
  return span.end;
}

/** "I typed X as the password", "X is my password": the value before the cue, when what follows is not about it. */
function valueBeforeCue(text: string, cueStart: number, cueEnd: number, out: Detection[]): number | undefined {
  const window = text.slice(Math.max(0, cueStart - 160), cueStart);
  const before = window.slice(window.lastIndexOf('\n') + 1);
  const m = VALUE_BEFORE_CUE.exec(before) ?? (ARTICLE.test(before) ? VALUE_ASKED_BEFORE_CUE.exec(before) : null);
  const value = m?.[2];
  const at = m?.indices?.[2]?.[0];
  if (value === undefined || at === undefined || !strongNotNumber(value) || isPlaceholder(value)) return undefined;
  if (!CLAUSE_ENDS.test(text.slice(cueEnd, cueEnd + 16))) return undefined;
  const start = cueStart - before.length + at;
  out.push({ entity: 'PASSWORD', start, end: start + value.length, confidence: 0.75, detector: 'password.before_cue' });
  return cueEnd;
}

/** The values of "tried X and Y" in the rest of the sentence after a cue; returns the end of the last one. */
function triedValues(text: string, cueEnd: number, out: Detection[]): number | undefined {
  const sentence = text.slice(cueEnd, cueEnd + 96).split(/[.!?](?:\s|$)|\n/, 1)[0]!;
  const verb = TRIED.exec(sentence);
  if (!verb) return undefined;
  let at = cueEnd + verb.index + verb[0].length;
  let end: number | undefined;
  for (let n = 0; n < MAX_TRIED; n++) {
    const span = readValue(text, at);
    if (!span) break;
    const value = text.slice(span.start, span.end);
    if (!(span.quoted ? value.length >= 4 : strongNotNumber(value)) || isPlaceholder(value)) break;
    out.push({ entity: 'PASSWORD', start: span.start, end: span.end, confidence: 0.75, detector: 'password.tried' });
    end = span.end;
    LIST_AND.lastIndex = span.end + (span.quoted ? 1 : 0);
    if (!LIST_AND.exec(text)) break;
    at = LIST_AND.lastIndex;
  }
  return end;
}

/** `scheme://user:pass@host`, and without a scheme `user:pass@tcp(host)` (Go DSNs) or `user:pass@host:port`. */
function detectAtSigns(text: string, out: Detection[]): void {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    // The token holding the '@', bounded to the left.
    let s = at;
    let colon = false;
    let slash = false;
    for (; s > 0 && at - s < 200; s--) {
      const c = text.charCodeAt(s - 1);
      if (endsToken(c)) break;
      if (c === 58) colon = true;
      else if (c === 47) slash = true;
    }
    if (slash && oracleLogin(text, s, at, out)) continue;
    if (!colon) {
      comboAfter(text, at, out);
      continue;
    }
    const scheme = text.slice(s, at).lastIndexOf('://');
    const bare = scheme === -1;
    if (bare && !/^(?:tcp|unix|udp)\(|^[\w-]+(?:\.[\w-]+)*[:/]/.test(text.slice(at + 1, at + 64))) {
      comboAfter(text, at, out);
      continue;
    }
    const userinfo = bare ? USERINFO : SCHEME_USERINFO;
    userinfo.lastIndex = bare ? s : s + scheme + 3;
    const m = userinfo.exec(text);
    if (!m || m[2] === undefined || userinfo.lastIndex !== at + 1) {
      comboAfter(text, at, out);
      continue;
    }
    const password = m[2];
    if ((bare ? isPlaceholder(password) : isUrlPlaceholder(password)) || (bare && !strong(password))) continue;
    out.push({ entity: 'PASSWORD', start: at - password.length, end: at, confidence: 0.9, detector: 'password.connection_string' });
  }
}

const isDomainChar = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122) || c === 46 || c === 45;
/** Whitespace, quotes, angle brackets, '(' and an earlier '@' end the token before an '@'. */
const endsToken = (c: number): boolean => c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62 || c === 40 || c === 64;

const ORACLE_LOGIN = /(?:thin:|sqlplus[ \t]+|rman[ \t]+target[ \t]+)([\w$#.-]{1,64})\/([^\s/@"']{1,128})$/i;

/** Oracle's `user/password@service`: `jdbc:oracle:thin:scott/S3cret@//host:1521/db`, `sqlplus scott/S3cret@orcl`. */
function oracleLogin(text: string, tokenStart: number, at: number, out: Detection[]): boolean {
  const m = ORACLE_LOGIN.exec(text.slice(Math.max(0, tokenStart - 16), at));
  if (!m || m[2] === undefined || isPlaceholder(m[2])) return false;
  out.push({ entity: 'PASSWORD', start: at - m[2].length, end: at, confidence: 0.85, detector: 'password.connection_string' });
  return true;
}

/** A spaced slash after an address: "(me@example.org / S3cret!)", how people write a login pair in prose. */
const SLASH_BETWEEN = /[ \t]+\/[ \t]+/y;

/** `address@domain.tld:password`, as credential dumps and SASL password maps write them, or `address / password`. */
function comboAfter(text: string, at: number, out: Detection[]): void {
  let i = at + 1;
  for (let c = text.charCodeAt(i); i - at < 255 && isDomainChar(c); c = text.charCodeAt(++i));
  SLASH_BETWEEN.lastIndex = i;
  const slash = SLASH_BETWEEN.exec(text);
  if ((text.charCodeAt(i) !== 58 /* : */ && !slash) || !/\.[A-Za-z]{2,24}$/.test(text.slice(at + 1, i))) return;
  const span = readValue(text, slash ? SLASH_BETWEEN.lastIndex : i + 1);
  if (!span || span.quoted) return;
  const value = text.slice(span.start, span.end);
  // ("address / +49 …" pairs an address with a phone number.)
  if (slash && !/[A-Za-z]/.test(value)) return;
  if (strongNotNumber(value) && !value.includes('/') && !isPlaceholder(value)) out.push({ entity: 'PASSWORD', start: span.start, end: span.end, confidence: 0.8, detector: 'password.combo' });
}

export const passwordRecognizer: Recognizer = {
  name: 'password',
  entities: ['PASSWORD'],
  detect(text: string, scan: ScanState, out: Detection[]): void {
    detectCued(text, scan, out);
    detectCredentialPairs(text, scan, out);
    detectCommandLines(text, scan, out);
    detectConnectCalls(text, out);
    detectStrengthQuestions(text, scan, out);
    if (text.indexOf('@') !== -1) detectAtSigns(text, out);
    if (scan.fieldName !== undefined && PASSWORD_FIELD.test(scan.fieldName)) {
      const value = text.trim();
      if (value.length >= 3 && value.length <= MAX_VALUE && !/\s/.test(value) && !isPlaceholder(value)) {
        const start = text.indexOf(value);
        out.push({ entity: 'PASSWORD', start, end: start + value.length, confidence: 0.9, detector: 'password.field' });
      }
    }
  },
};
