// Passwords on command lines, where no cue word names them: short flags whose meaning depends on the command
// (`mysql -pS3cret`, `sshpass -p …`, `redis-cli -a …`, `ldapsearch -w …`, `curl -u user:pass`, `smbclient -U
// user%pass`, `lftp -u user,pass`, `echo '…' | sudo -S`), commands and statements taking a password argument (`htpasswd -b FILE USER
// PASS`, `echo "user:pass" | chpasswd`, SQL `IDENTIFIED BY '…'`, `rabbitmqctl add_user`, `net user`, `net use`,
// `wpa_passphrase`, PowerShell `ConvertTo-SecureString "…"`) and .pgpass lines, after the file's name or alone. The same flag elsewhere
// (`ssh -p 2222`, `mysql -p db` which prompts, `docker run -p 80:80`) is left alone.
import type { Detection, ScanState } from '../types.ts';
import { lineAround, lineBreakWithin } from '../text-utils.ts';
import { cueHits, eachCue } from './cues.ts';
import { eachMatch } from './each-match.ts';
import { isPlaceholder, MAX_VALUE, passwordOrKey, strong, strongNotNumber } from './password-value.ts';

/** How a flag carries the password: attached (`-pX`), as the next word, either, or inside `user:pass` / `user%pass` / `user,pass`. */
type Carry = 'glued' | 'next' | 'either' | 'user:pass' | 'user%pass' | 'user,pass' | 'stdin';

const MYSQL = { '-p': 'glued' } as const;
const MONGO = { '-p': 'either' } as const;
const LDAP = { '-w': 'next' } as const;
const ARCHIVE = { '-p': 'glued' } as const;
const MOSQUITTO = { '-P': 'next' } as const;
const SQLSERVER = { '-P': 'next' } as const;
const RDP = { '/p:': 'glued' } as const;
// Commands by the flags that take their password. `login` stands for docker/podman/nerdctl/helm registry/oras/az login.
const FLAGS: Readonly<Record<string, Readonly<Record<string, Carry>>>> = {
  mysql: MYSQL, mysqldump: MYSQL, mysqladmin: MYSQL, mysqlimport: MYSQL, mariadb: MYSQL, 'mariadb-dump': MYSQL,
  mongo: MONGO, mongosh: MONGO, mongodump: MONGO, mongorestore: MONGO, mongoexport: MONGO, mongoimport: MONGO,
  ldapsearch: LDAP, ldapmodify: LDAP, ldapadd: LDAP, ldapdelete: LDAP, ldappasswd: LDAP, ldapwhoami: LDAP, ldapcompare: LDAP,
  '7z': ARCHIVE, '7za': ARCHIVE, '7zz': ARCHIVE, rar: ARCHIVE, unrar: ARCHIVE,
  mosquitto_pub: MOSQUITTO, mosquitto_sub: MOSQUITTO, sqlcmd: SQLSERVER, bcp: SQLSERVER,
  xfreerdp: RDP, wlfreerdp: RDP,
  sshpass: { '-p': 'either' },
  login: { '-p': 'either' },
  zip: { '-P': 'next' },
  unzip: { '-P': 'next' },
  'redis-cli': { '-a': 'next' },
  'ssh-keygen': { '-N': 'next', '-P': 'next' },
  rdesktop: { '-p': 'next' },
  sudo: { '-S': 'stdin' },
  curl: { '-u': 'user:pass', '--user': 'user:pass' },
  smbclient: { '-U': 'user%pass' },
  lftp: { '-u': 'user,pass' },
};

// Flags as written on a command line; the command before them decides what they mean.
const FLAG = /[-/][-pPawNSuU]/g;
const FLAG_NAME = /(?:-[pPawNSuU]|--user|\/p:)/y;
const SEGMENT_MAX = 240;
const ECHO_PIPE = /echo[ \t]+(?:-n[ \t]+)?(['"]?)([^'"\s|]{1,128})\1[ \t]*\|[ \t]*(?:\S+[ \t]+)*?$/;

interface Span {
  start: number;
  end: number;
}

/** The word at `from`: quoted (one line, bounded) or up to whitespace or a shell operator. */
function shellWord(text: string, from: number): Span | undefined {
  const q = text[from];
  if (q === '"' || q === "'") {
    const close = text.slice(from + 1, from + 2 + MAX_VALUE).indexOf(q);
    if (close <= 0 || text.slice(from + 1, from + 1 + close).includes('\n')) return undefined;
    return { start: from + 1, end: from + 1 + close };
  }
  let i = from;
  while (i < text.length && i - from < MAX_VALUE && !/[\s|;&<>()`]/.test(text[i]!)) i++;
  return i > from ? { start: from, end: i } : undefined;
}

function skipBlanks(text: string, i: number): number {
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return i;
}

// The command names FLAGS lists, as words (after a path or a quote, before `.exe`: `/usr/bin/mysql`, `"sshpass`,
// `7z.exe`), found in one pass per text that has a flag at all.
const COMMAND_WORD = new RegExp(`(?<=^|[\\s"'\`/])(?:${Object.keys(FLAGS).map((n) => n.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})(?:\\.exe)?(?=[\\s"'\`]|$)`, 'gi');
const isSegmentBreak = (c: number): boolean => c === 10 || c === 124 /* | */ || c === 59 /* ; */ || c === 38 /* & */;

/**
 * The command words of a text in order, and a cursor for `commandBefore`: flags are looked up in text order, so the
 * search for each one's command goes on from the last one's instead of re-reading the words before it.
 */
interface CommandWords {
  at: number[];
  name: string[];
  next: number;
}

function commandWords(text: string): CommandWords {
  const words: CommandWords = { at: [], name: [], next: 0 };
  COMMAND_WORD.lastIndex = 0;
  for (let m = COMMAND_WORD.exec(text); m; m = COMMAND_WORD.exec(text)) {
    words.at.push(m.index);
    words.name.push(m[0].toLowerCase().replace(/\.exe$/, ''));
  }
  return words;
}

/** The first command word of the shell segment before `at` (after the last pipe, `;`, `&&` or line break, at most SEGMENT_MAX back). */
function commandBefore(text: string, at: number, words: CommandWords): string | undefined {
  const from = Math.max(0, at - SEGMENT_MAX);
  let start = at;
  while (start > from && !isSegmentBreak(text.charCodeAt(start - 1))) start--;
  while (words.next < words.at.length && words.at[words.next]! < start) words.next++;
  return words.next < words.at.length && words.at[words.next]! < at ? words.name[words.next] : undefined;
}

/** A random password may start with '-' (`-p -T0y96fg-0Tao`); a flag has no digit among letters of both cases. */
const RANDOM_AFTER_DASH = /^-(?=[^-])(?=.*\d)(?=.*[a-z])(?=.*[A-Z])\S{7,}$/;

/** A value fit to be a password: quoted, attached to its flag, or chosen-looking (not a word of prose after a flag). */
function valueOk(text: string, span: Span | undefined, attached = false): span is Span {
  if (!span || span.end - span.start < 3) return false;
  const value = text.slice(span.start, span.end);
  const quoted = /["']/.test(text[span.start - 1] ?? '');
  return (quoted || attached || strong(value)) && (quoted || !value.startsWith('-') || RANDOM_AFTER_DASH.test(value)) && !isPlaceholder(value);
}

function push(out: Detection[], span: Span, detector = 'password.command_line'): number {
  out.push({ entity: 'PASSWORD', start: span.start, end: span.end, confidence: 0.9, detector });
  return span.end;
}

/** The password a flag carries, by the command's rule. */
function flagValue(text: string, flagEnd: number, carry: Carry, flagStart: number): Span | undefined {
  const attached = flagEnd < text.length && !/\s/.test(text[flagEnd]!);
  if (carry === 'stdin') {
    const m = ECHO_PIPE.exec(text.slice(Math.max(0, flagStart - SEGMENT_MAX), flagStart));
    if (!m || m[2] === undefined) return undefined;
    const start = flagStart - (m[0].length - m[0].indexOf(m[2], 4));
    return { start, end: start + m[2].length };
  }
  if (carry === 'glued') return attached ? shellWord(text, flagEnd) : undefined;
  if (carry === 'either' && attached) return shellWord(text, flagEnd);
  const word = shellWord(text, skipBlanks(text, attached && text[flagEnd] === '=' ? flagEnd + 1 : flagEnd));
  if (!word || (attached && text[flagEnd] !== '=' && carry !== 'either')) return undefined;
  if (carry === 'next' || carry === 'either') return word;
  const sep = text.indexOf(carry[4]!, word.start);
  if (sep === -1 || sep >= word.end - 1) return undefined;
  // (`-U user%"$SMB_PASS"`: the shell quotes only the password.)
  const q = text[sep + 1];
  if ((q === '"' || q === "'") && text[word.end - 1] === q && word.end - sep > 3) return { start: sep + 2, end: word.end - 1 };
  return { start: sep + 1, end: word.end };
}

function detectFlags(text: string, scan: ScanState, out: Detection[]): void {
  let words: CommandWords | undefined;
  eachMatch(FLAG, text, scan, out, (m) => detectFlag(text, m.index, out, FLAG, (words ??= commandWords(text))));
}

/** The password the flag at `at` carries, if the command before it takes one there; `re` skips past it. */
function detectFlag(text: string, at: number, out: Detection[], re: RegExp, words: CommandWords): void {
  const before = at > 0 ? text.charCodeAt(at - 1) : 32;
  if (before !== 32 && before !== 9 && before !== 10) return;
  FLAG_NAME.lastIndex = at;
  const name = FLAG_NAME.exec(text)?.[0];
  if (name === undefined) return;
  const command = commandBefore(text, at, words);
  const carry = command === undefined ? undefined : FLAGS[command]?.[name];
  if (carry === undefined) {
    if (command === undefined) besideUserFlag(text, at, name, out, re);
    return;
  }
  const span = flagValue(text, at + name.length, carry, at);
  if (!valueOk(text, span, span?.start === at + name.length)) return;
  const end = push(out, span);
  re.lastIndex = Math.max(re.lastIndex, end);
}

/** A user-name flag on the same command line: `-u cassandra`, `--username=admin`. */
const USER_FLAG = /(?:^|[ \t])(?:-u|-U|--user|--username|--login)(?:[ \t]+|=)?[^\s-]/;

/**
 * `-p` / `-P` / `-w` of a command no table lists, next to a user-name flag (`cqlsh host -u cassandra -p …`): the
 * password, when it looks chosen. A port (`docker run -u 1000 -p 8080:80`) or a path does not.
 */
function besideUserFlag(text: string, at: number, name: string, out: Detection[], re: RegExp): void {
  if (name !== '-p' && name !== '-P' && name !== '-w') return;
  const [lineStart, lineEnd] = lineAround(text, at, SEGMENT_MAX);
  const line = text.slice(lineStart, lineEnd);
  const flagAt = at - lineStart;
  if (!USER_FLAG.test(line.slice(0, flagAt)) && !USER_FLAG.test(line.slice(flagAt + name.length))) return;
  const flagEnd = at + name.length;
  const span = text[flagEnd] === ' ' || text[flagEnd] === '\t' ? shellWord(text, skipBlanks(text, flagEnd)) : shellWord(text, flagEnd);
  if (!span || span.end - span.start < 6) return;
  const value = text.slice(span.start, span.end);
  const quoted = /["']/.test(text[span.start - 1] ?? '');
  if (!(quoted || (strongNotNumber(value) && !/[/:]/.test(value))) || value.startsWith('-') || isPlaceholder(value)) return;
  re.lastIndex = Math.max(re.lastIndex, push(out, span));
}

const USER_BEFORE_USING = /\buser[ \t]+[^\s'"]{1,64}[ \t]+$/i;

/** Positional passwords after a command cue; returns the end of what was taken. */
function commandValue(text: string, cue: string, cueStart: number, cueEnd: number): Span | undefined {
  const words: Span[] = [];
  for (let i = skipBlanks(text, cueEnd); words.length < 6 && i < text.length && text[i] !== '\n'; i = skipBlanks(text, i)) {
    const w = shellWord(text, i);
    if (!w) break;
    words.push(w);
    i = w.end + (text[w.end] === '"' || text[w.end] === "'" ? 1 : 0);
  }
  const word = (n: number) => (words[n] ? text.slice(words[n].start, words[n].end) : '');
  switch (cue) {
    // `rabbitmqctl add_user NAME PASS`, `rabbitmqctl change_password NAME PASS`, `net user NAME PASS /add`.
    case 'add_user':
    case 'change_password':
    case 'net user':
      return words[0] && words[1] && !/^[-/]/.test(word(1)) ? words[1] : undefined;
    // `wpa_passphrase SSID PASSPHRASE`.
    case 'wpa_passphrase':
      return words[1];
    // `net use Z: \\host\share PASS /user:DOMAIN\name`, the password also after the /user: switch.
    case 'net use': {
      const user = words.findIndex((w) => /^\/user:/i.test(text.slice(w.start, w.end)));
      const share = words.findIndex((w) => text.startsWith('\\\\', w.start));
      const after = (i: number): Span | undefined => (i >= 0 ? words[i + 1] : undefined);
      return [after(user), after(share)].find((w) => w !== undefined && !/^[/*]/.test(word(words.indexOf(w))));
    }
    // DB2's `connect to DB user NAME using PASS`.
    case 'using':
      return words[0] && USER_BEFORE_USING.test(text.slice(Math.max(0, cueStart - 80), cueStart)) && strong(word(0)) ? words[0] : undefined;
    case 'convertto-securestring':
    case 'identified by':
      return words[0] && (/["']/.test(text[words[0].start - 1] ?? '') || strong(word(0))) ? words[0] : undefined;
    case 'htpasswd': {
      const flags = words.filter((w) => text[w.start] === '-').map((w) => text.slice(w.start, w.end)).join('');
      if (!flags.includes('b')) return undefined;
      const positional = words.filter((w) => text[w.start] !== '-');
      return positional[flags.includes('n') ? 1 : 2];
    }
    case 'chpasswd': {
      const m = ECHO_PIPE.exec(text.slice(Math.max(0, cueStart - SEGMENT_MAX), cueStart));
      if (!m || m[2] === undefined || !m[2].includes(':')) return undefined;
      const valueStart = cueStart - (m[0].length - m[0].indexOf(m[2], 4)) + m[2].indexOf(':') + 1;
      return { start: valueStart, end: valueStart + m[2].length - m[2].indexOf(':') - 1 };
    }
  }
  return undefined;
}

const PGPASS_LINE = /^[^\s:]+:(?:\d+|\*):[^\s:]+:[^\s:]+:(\S{1,128})$/;

/** How far the line naming a credentials file may run on after the name before its first entry. */
const MAX_NAME_LINE = 256;

/** Lines of a .pgpass file after its name: `host:port:database:user:password`. */
function pgpassLines(text: string, from: number, out: Detection[]): number | undefined {
  let end: number | undefined;
  let lineStart = lineBreakWithin(text, from, MAX_NAME_LINE) + 1;
  for (let n = 0; n < 20 && lineStart > 0 && lineStart < text.length; n++) {
    let lineEnd = lineBreakWithin(text, lineStart, 512);
    if (lineEnd === -1) lineEnd = Math.min(text.length, lineStart + 512);
    const m = PGPASS_LINE.exec(text.slice(lineStart, lineEnd).trimEnd());
    if (!m || m[1] === undefined) break;
    const start = lineStart + m[0].length - m[1].length;
    if (!isPlaceholder(m[1])) end = push(out, { start, end: start + m[1].length });
    lineStart = lineEnd + 1;
  }
  return end;
}

const USERLIST_LINE = /^[ \t]*"[^"\s]{1,64}"[ \t]+"([^"\n]{1,128})"[ \t]*$/;
/** rsyncd's and ipsec's `.secrets` files: `user:password`, `user : EAP "password"`. */
const SECRETS_LINE = /^[ \t]*[^\s:#"]{1,64}[ \t]*:[ \t]*(?:(?:EAP|PSK|XAUTH|RSA)[ \t]+)?(?:"([^"\n]{1,128})"|([^\s"]{1,128}))[ \t]*$/;
/** A stored hash (`md5` and 32 hex digits): the digits are the secret. */
const STORED_HASH = /^md5(?=[0-9a-f]{32}$)/;

/** The lines of a credentials file after its name (PgBouncer's `userlist.txt`, `*.secrets`): one password each. */
function credentialFileLines(text: string, from: number, line: RegExp, out: Detection[]): number | undefined {
  let end: number | undefined;
  let lineStart = lineBreakWithin(text, from, MAX_NAME_LINE) + 1;
  for (let n = 0; n < 20 && lineStart > 0 && lineStart < text.length; n++) {
    let lineEnd = lineBreakWithin(text, lineStart, 257);
    if (lineEnd === -1 && text.length - lineStart > 256) break;
    if (lineEnd === -1) lineEnd = text.length;
    const m = line.exec(text.slice(lineStart, lineEnd));
    const secret = m?.[1] ?? m?.[2];
    if (!m || secret === undefined) break;
    const hash = STORED_HASH.exec(secret)?.[0].length ?? 0;
    const value = secret.slice(hash);
    const start = lineStart + m[0].lastIndexOf(secret) + hash;
    if (!isPlaceholder(value)) {
      out.push({ entity: passwordOrKey(value), start, end: start + value.length, confidence: 0.85, detector: 'password.credential_file' });
      end = start + value.length;
    }
    lineStart = lineEnd + 1;
  }
  return end;
}

/** Where a .pgpass entry may be: a port number between colons (tried at each ':', found with indexOf: far cheaper
 * than a regex scan over the whole text). */
const PORT_FIELD = /\d{1,5}:/y;
/** A host a .pgpass entry names: localhost, a dotted name or address, or `*`. */
const PGPASS_HOST = /^(?:localhost|\*|[\w-]{1,63}(?:\.[\w-]{1,63}){1,10})$/;

/** A line that is a whole .pgpass entry `host:port:database:user:password`, with no file name to cue it. */
function detectPgpassEntries(text: string, out: Detection[]): void {
  for (let colon = text.indexOf(':'); colon !== -1; colon = text.indexOf(':', colon + 1)) {
    const c = text.charCodeAt(colon + 1);
    if (c < 48 || c > 57) continue;
    PORT_FIELD.lastIndex = colon + 1;
    if (!PORT_FIELD.test(text)) continue;
    const lineStart = text.lastIndexOf('\n', colon) + 1;
    let lineEnd = text.indexOf('\n', colon);
    if (lineEnd === -1) lineEnd = text.length;
    colon = lineEnd;
    if (lineEnd - lineStart > 512) continue;
    const line = text.slice(lineStart, lineEnd).trimEnd();
    const entry = line.trimStart();
    const password = PGPASS_LINE.exec(entry)?.[1];
    if (password === undefined || !PGPASS_HOST.test(entry.slice(0, entry.indexOf(':'))) || isPlaceholder(password)) continue;
    const end = lineStart + line.length;
    push(out, { start: end - password.length, end });
  }
}

/**
 * The password a command, statement or file name at [start, end) introduces (`identified by`, `htpasswd`,
 * `chpasswd`, `.pgpass`, lower-cased); returns the end of what was taken.
 */
export function detectCommandWord(text: string, command: string, start: number, end: number, out: Detection[]): number | undefined {
  if (command === '.pgpass') return pgpassLines(text, end, out);
  if (command === 'userlist') return credentialFileLines(text, end, USERLIST_LINE, out);
  if (command === '.secrets') return credentialFileLines(text, end, SECRETS_LINE, out);
  if (command === 'stdin') return stdinPassword(text, start, out);
  const span = commandValue(text, command, start, end);
  return valueOk(text, span) ? push(out, span) : undefined;
}

/** A flag reading the password from standard input: `--password-stdin`, `--passwd-on-stdin`, `passwd --stdin`. */
const STDIN_FLAG = /(?:--[\w-]*(?:pass|pw)[\w-]*-stdin|passwd[ \t]+--stdin)$/i;
const HERE_STRING = /<<<[ \t]*/y;
/** `echo 'X' | …` or `printf '%s' "X" | …` before the flag, in the same pipeline. */
const PIPED_IN = /(?:echo(?:[ \t]+-[ne]{1,2})?|printf(?:[ \t]+(['"])%s(?:\\n)?\1)?)[ \t]+(?:(['"])([^'"\n]{1,128})\2|([^'"\s|]{1,128}))[ \t]*\|[^|\n]*$/d;

/** What a command given such a flag reads: `echo 'X' | … --password-stdin`, `printf '%s' X | …`, `… <<< "X"`. */
function stdinPassword(text: string, at: number, out: Detection[]): number | undefined {
  const flagEnd = at + 5;
  const flag = STDIN_FLAG.exec(text.slice(Math.max(0, at - 40), flagEnd));
  if (!flag) return undefined;
  const flagStart = flagEnd - flag[0].length;
  const [lineStart, lineEnd] = lineAround(text, at, SEGMENT_MAX);
  const here = text.slice(flagEnd, lineEnd).indexOf('<<<');
  let span: Span | undefined;
  if (here !== -1) {
    HERE_STRING.lastIndex = flagEnd + here;
    if (HERE_STRING.exec(text)) span = shellWord(text, HERE_STRING.lastIndex);
  } else {
    const m = PIPED_IN.exec(text.slice(lineStart, flagStart));
    const value = m?.indices?.[3] ?? m?.indices?.[4];
    if (value) span = { start: lineStart + value[0], end: lineStart + value[1] };
  }
  return span && span.end - span.start >= 4 && !isPlaceholder(text.slice(span.start, span.end)) ? push(out, span) : undefined;
}

export function detectCommandLines(text: string, scan: ScanState, out: Detection[]): void {
  detectFlags(text, scan, out);
  // `….secrets` files, from the secret cues the shared scan found (a cue word starting with '.' would cost that scan a
  // branch at every full stop).
  const secrets = cueHits(text, scan).secret;
  for (let h = 0; h < secrets.length; h += 2) {
    const at = secrets[h]! - 1;
    if (text.charCodeAt(at) === 46 && text.startsWith('secrets', at + 1)) detectCommandWord(text, '.secrets', at, at + 8, out);
  }
  detectPgpassEntries(text, out);
  eachCue(text, scan, 'command', (cueStart, cueEnd) => detectCommandWord(text, text.slice(cueStart, cueEnd).toLowerCase().replace(/\s+/g, ' '), cueStart, cueEnd, out));
}
