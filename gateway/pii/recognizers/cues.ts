// One shared pass for the cue words of the PASSWORD, API_KEY and IBAN recognizers. A single case-insensitive
// alternation over the text is cheaper than one pass per recognizer; the hits are computed once per scanned
// string (lazily, by whichever recognizer asks first) and kept on the scan context. The words are compiled into a
// prefix tree (`p(?:ass|wd?)|k(?:ey|ennwort)|…`) so the engine tests each text position against a few branches,
// not against every word; words in other scripts get a pass of their own, only for text that has such letters.
import type { ScanState } from '../types.ts';

export interface CueHits {
  /** [start, end) pairs of password cue words (`pass…`, `pwd`, `pw`, `Passwort`, `contraseña`, `パスワード` …), in text order. */
  password: number[];
  /** [start, end) pairs of secret cue words (`key`, `secret`, `token`, `bearer`, `credential`, `auth`, `Schlüssel` …). */
  secret: number[];
  /** [start, end) pairs of credential-pair cues (`login`, `credentials`, `creds`, `admin`, `root`, `user` …). */
  pair: number[];
  /** [start, end) pairs of statements, commands and files taking a password (SQL `IDENTIFIED BY`, `net user`, DB2's `user … using`, `userlist`, `--password-stdin`). */
  command: number[];
  /** [start, end) pairs of the word "IBAN". */
  iban: number[];
  /** [start, end) pairs of abbreviations only the secret-shape fallback reads (`PAT`, `…_SID`): too short to cue alone. */
  weak: number[];
  /** [start, end) pairs of the fixed words of a question about a password ("… strong enough", "how secure is …"). */
  question: number[];
  /** [start, end) pairs of the fixed parts of webhook URLs whose path is a secret (Slack's, Discord's). */
  webhook: number[];
}
type CueKind = keyof CueHits;

// Lower-case literals. "pass" also finds password, passwd, Passwort, passphrase, requirepass, htpasswd, .pgpass
// (password.ts reads on); "credential" is also a pair cue and "clave" also a secret (cueHits). Every word costs
// scan time on every prompt, so the list holds what people write, not every synonym.
const WORDS: Readonly<Record<CueKind, readonly string[]>> = {
  password: [
    'pass', 'pw', 'pwd', 'kennwort', 'contraseña', 'contrasena', 'senha', 'wachtwoord', 'hasło', 'haslo', 'lösenord', 'salasana', 'heslo',
    'mdp', 'clave', 'parola', 'şifre', 'sifre', 'adgangskode', 'jelszó', 'jelszo', 'jelszav', 'kata sandi', 'kata laluan', 'lozinka', 'psk', 'wpa key', 'wifi key', 'wi-fi key',
    'masterauth', 'pasword', 'network key', 'secret phrase', 'recovery phrase', 'seed phrase', 'unlock code', 'master code', 'door code', 'alarm code',
  ],
  secret: ['key', 'secret', 'token', 'bearer', 'credential', 'auth', 'schlüssel', 'schluessel', 'clé', 'chave', 'chiave', 'sleutel', 'klucz', 'anahtar'],
  pair: ['login', 'accounts', 'creds', 'zugang', 'zugangsdaten', 'anmeldedaten', 'credenciales', 'credenciais', 'credenziali', 'admin', 'root', 'user'],
  command: ['identified by', 'add_user', 'change_password', 'net user', 'net use', 'convertto-securestring', 'userlist', 'using', 'stdin'],
  iban: ['iban'],
  weak: ['pat', 'sid'],
  question: ['enough', 'how'],
  webhook: ['hooks.slack.com/services/', 'api/webhooks/'],
};
// Words written in other scripts (and Vietnamese, whose letters are outside Latin-1).
const OTHER_SCRIPT_WORDS: Readonly<Partial<Record<CueKind, readonly string[]>>> = {
  password: ['пароль', 'парола', 'лозинка', 'κωδικός', 'συνθηματικό', 'パスワード', '暗証番号', '密码', '密碼', '口令', '비밀번호', '암호', 'mật khẩu', 'كلمة المرور', 'كلمة السر', 'סיסמה', 'पासवर्ड', 'รหัสผ่าน'],
  secret: ['ключ', 'токен', 'キー', 'トークン', '密钥', '密鑰', '令牌', '키', '토큰'],
};
/** Letters of those scripts: Greek, Cyrillic, Hebrew, Arabic, Devanagari … Thai, Vietnamese, kana, CJK, Hangul. */
const OTHER_SCRIPTS = /[\u0370-\u052f\u0590-\u06ff\u0904-\u0e7f\u1ea0-\u1eff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

interface TrieNode {
  end: boolean;
  next: Map<string, TrieNode>;
}

/** A regex source matching exactly the given literals, longest first where one is a prefix of another. */
function prefixTree(words: readonly string[]): string {
  const root: TrieNode = { end: false, next: new Map() };
  for (const word of words) {
    let node = root;
    for (const ch of word) {
      let child = node.next.get(ch);
      if (!child) node.next.set(ch, (child = { end: false, next: new Map() }));
      node = child;
    }
    node.end = true;
  }
  const emit = (node: TrieNode): string => {
    const branches = [...node.next].map(([ch, child]) => ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + emit(child));
    if (branches.length === 0) return '';
    const group = branches.length === 1 && !node.end ? branches[0]! : `(?:${branches.join('|')})`;
    return node.end ? `${group}?` : group;
  };
  return emit(root);
}

function compile(words: Partial<Record<CueKind, readonly string[]>>): { re: RegExp; kinds: Map<string, CueKind> } {
  const kinds = new Map<string, CueKind>();
  for (const [kind, list] of Object.entries(words) as Array<[CueKind, readonly string[]]>) for (const w of list) kinds.set(w, kind);
  return { re: new RegExp(prefixTree([...kinds.keys()]), 'gi'), kinds };
}

const LATIN = compile(WORDS);
const OTHER = compile(OTHER_SCRIPT_WORDS);

function collect(text: string, { re, kinds }: { re: RegExp; kinds: Map<string, CueKind> }, hits: CueHits): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const word = m[0].toLowerCase();
    const end = m.index + m[0].length;
    if (word === 'credential') hits.pair.push(m.index, end);
    if (word === 'clave') hits.secret.push(m.index, end);
    hits[kinds.get(word) ?? 'password'].push(m.index, end);
  }
}

export function cueHits(text: string, scan: ScanState): CueHits {
  if (scan.cues) return scan.cues;
  const hits: CueHits = { password: [], secret: [], pair: [], command: [], iban: [], weak: [], question: [], webhook: [] };
  collect(text, LATIN, hits);
  if (OTHER_SCRIPTS.test(text)) {
    const other: CueHits = { password: [], secret: [], pair: [], command: [], iban: [], weak: [], question: [], webhook: [] };
    collect(text, OTHER, other);
    for (const kind of Object.keys(hits) as CueKind[]) if (other[kind].length > 0) hits[kind] = mergePairs(hits[kind], other[kind]);
  }
  scan.cues = hits;
  return hits;
}

/** Two lists of [start, end) pairs, each in text order, merged into one in text order. */
function mergePairs(a: number[], b: number[]): number[] {
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) out.push(a[i++]!, a[i++]!);
    else out.push(b[j++]!, b[j++]!);
  }
  return out;
}

/**
 * Calls `onCue` for each cue word of `kind`, in text order, skipping cues inside what an earlier call took: `onCue`
 * returns where that ends (its value, or the identifier around the cue), or undefined when it took nothing.
 */
export function eachCue(text: string, scan: ScanState, kind: keyof CueHits, onCue: (cueStart: number, cueEnd: number) => number | undefined): void {
  const hits = cueHits(text, scan)[kind];
  let consumed = 0;
  for (let h = 0; h < hits.length; h += 2) {
    const cueStart = hits[h]!;
    if (cueStart < consumed) continue;
    const end = onCue(cueStart, hits[h + 1]!);
    if (end !== undefined) consumed = end;
  }
}
