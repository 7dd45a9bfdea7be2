// API_KEY: provider secrets by their published prefixes (OpenAI, Anthropic, AWS, GitHub, Slack, Stripe, Google,
// GitLab, Hugging Face, npm, SendGrid, PyPI, Vault, Telegram), JWTs, PEM private key blocks, and generic high-entropy values assigned to
// (or written right after) a key/token/secret-like name, in several languages ("API-Schlüssel", "clé API",
// "APIキー"). Documentation placeholders (`sk-...`, `sk-xxxx`, `<your-api-key>`, AWS's `…EXAMPLE` keys) are skipped.
import type { Detection, Recognizer, ScanState } from '../types.ts';
import { charClasses, isLower, looksLikePlaceholder, looksRandom, shannonEntropy } from '../text-utils.ts';
import { cueHits, eachCue } from './cues.ts';
import { eachMatch } from './each-match.ts';
import { detectClientKeys } from './client-call-keys.ts';
import { readValue, VALUE_KEY_AFTER_NAME } from './password-value.ts';

// All prefixed formats, tried at the token starts PROVIDER_START finds. Every branch starts with a literal and has
// bounded or single-class repetition, so the engine's work per start position is constant or linear in the token.
const PROVIDER = new RegExp(
  [
    '(?<![\\w-])(?:',
    '(sk-ant-[\\w-]{20,400})', // 1 Anthropic (sk-ant-api03-…, sk-ant-admin01-…)
    '|(sk-(?:proj-|svcacct-|admin-)?[\\w-]{20,400})', // 2 OpenAI
    '|((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})', // 3 AWS access key id
    '|(gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_\\w{30,255})', // 4 GitHub
    '|(xox[abposr]-[\\w-]{10,255})', // 5 Slack
    '|((?:[sr]k_(?:live|test)_|whsec_)[A-Za-z0-9]{16,255})', // 6 Stripe secret, restricted and webhook signing keys
    '|(AIza[\\w-]{35})', // 7 Google API key
    '|(eyJ[\\w-]{8,4000}\\.eyJ[\\w-]{8,8000}\\.[\\w-]{8,4000})', // 8 JWT (header and payload are base64url JSON)
    '|(glpat-[\\w-]{20,64}|hf_[A-Za-z0-9]{30,64}|npm_[A-Za-z0-9]{36})', // 9 GitLab, Hugging Face, npm
    '|(SG\\.[\\w-]{22}\\.[\\w-]{43})', // 10 SendGrid
    '|((?:AC|SK)[0-9a-f]{32}|key-[0-9a-f]{32})', // 11 Twilio account/API key SIDs, Mailgun
    '|(pypi-[\\w-]{50,400})', // 12 PyPI upload token (a macaroon)
    '|(hv[sbr]\\.[\\w-]{24,400})', // 13 HashiCorp Vault service, batch and recovery tokens
    '|(AGE-SECRET-KEY-1[0-9A-Z]{58}|ATATT3[\\w=-]{60,400})', // 14 age secret keys, Atlassian API tokens
    // 15 Any other vendor's prefixed token (DigitalOcean dop_v1_…, Grafana glsa_…): a short lower-case prefix, an
    // optional version, and a long random body (checked in providerSecretOk), as vendors now issue them.
    '|([a-z]{2,6}_(?:v\\d{1,2}_)?[A-Za-z0-9]{30,255}(?:_[0-9a-f]{8})?)',
    ')(?![\\w-])',
  ].join(''),
  'y',
);
// Where a provider token can start, found in one cheap pass: every prefix above is 2-6 lower-case letters and a
// '-'/'_' (sk-, ghp_, github_pat_, xoxb-, sk_live_, glpat-, hf_, npm_, key-), or an 'A' (AKIA…, AIza…, AC…), "eyJ" or
// an 'S' (SG., SK…) at the start of a token, or Vault's "hvs.". Anchoring on those rare characters (the lookbehinds only run there) costs about a third
// of running PROVIDER at every position; PROVIDER then runs sticky at the few token starts found.
const PROVIDER_START = /[-_.AJS](?<=(?<![\w-])(?:[a-z]{2,6}[-_]|hv[sbr]\.|A|eyJ|S))/g;
const PROVIDER_NAMES = ['', 'anthropic', 'openai', 'aws_access_key_id', 'github', 'slack', 'stripe', 'google', 'jwt', 'token', 'sendgrid', 'token', 'pypi', 'vault', 'token', 'prefixed'] as const;
const PREFIXED = 15;
/** Prefixes of digests and ids, not of secrets (`sha_3f2a…`, `commit_…`, `trace_…`). */
const DIGEST_PREFIX = /^(?:sha\d*|md\d|hash|commit|rev|build|git|id|uid|uuid|guid|tx|txid|blk|run|job|req|trace|span|img|file|doc|obj|msg|evt|sess|etag|crc)_/i;
// A Telegram bot token: the bot's numeric id, a colon, and 35 characters starting "AA". Found from the rare ":AA".
const TELEGRAM_BOT = /(?<![\w:-])\d{8,10}:AA[\w-]{33}(?![\w-])/y;
// An AWS secret access key written right after its key id ("AKIA… / wJalr…", "AKIA…:wJalr…").
const AWS_SECRET_AFTER_ID = /(?:[ \t]*[/:,;|][ \t]*|[ \t]+)([A-Za-z0-9/+]{40})(?![\w/+=])/y;

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----/y;
const PEM_MAX = 16_384;

// Generic secrets: a cue word inside an identifier, then an assignment, then the value.
// Field names that hold secrets (for JSON fields; free text uses the shared cue scan in cues.ts).
const SECRET_NAME = /key|secret|token|bearer|credential|auth/i;
// (A subscript closes the name first: `app.config['SECRET_KEY'] = …`.)
const ASSIGNED_VALUE =
  /["']?\]?(?:[ \t]{0,4}(?:[:=]|=>|:=)[ \t]{0,4}|[ \t]{1,3}(?:is|ist|est|es|è|é|lautet)[ \t]{1,3})(?:["'`]|(?:Bearer|Token|Basic)[ \t]+)?([A-Za-z0-9_\-+/=.~]{16,512})/y;
const BEARER_VALUE = /[ \t]{1,4}([A-Za-z0-9_\-+/=.~]{16,512})/y;
const MIXED_CASE_AND_DIGIT = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)/;

/** "key" alone before a value is mostly an id or a digest; a long random one of mixed case is a key ("using key G5gE…"). */
function randomAfter(text: string, nameEnd: number): boolean {
  BEARER_VALUE.lastIndex = nameEnd;
  const value = BEARER_VALUE.exec(text)?.[1];
  return value !== undefined && value.length >= 24 && MIXED_CASE_AND_DIGIT.test(value) && !CAMEL_CASE_WORDS.test(value) && looksRandom(value);
}
/** A name written in camelCase words (`userProfileSettingsVersion2`), not a random key. */
const CAMEL_CASE_WORDS = /^(?:[a-z]+|[A-Z][a-z]+)(?:[A-Z][a-z]+)+\d{0,3}$/;
const QUOTED_ASSIGNMENT = /["']?\]?[ \t]{0,4}(?:[:=]|=>|:=)[ \t]{0,4}(?=["'`])/y;
/** A few words between the name and a colon ("mistral key for the eval run: …", "API-Schlüssel für das Wetter-API: …"). */
/** Lower-case words joined by '_', '.' or '-' (`user_profile_v2_cache`): a name, not a secret. */
const IDENTIFIER_WORDS = /^[a-z][a-z0-9]*(?:[_.-][a-z0-9]+)+$/;
/** Words that make the labelled value a public digest or an id ("key fingerprint SHA256: …", "key id: …"). */
const NOT_SECRET_LABEL = /fingerprint|hash|checksum|digest|\bsha-?\d|\bmd5|\bids?\b|public/i;
const WORDS_THEN_VALUE = /((?:[ \t][\p{L}\p{N}][\p{L}\p{N}._'’-]{0,23}){1,5}?)[ \t]?:[ \t]{0,3}["'`]?([A-Za-z0-9_\-+/=.~]{24,512})/uy;
/** Names continue over a word or two up to an assignment or a connector: "Secret access key: …", "clave de API es …". */
const NAME_TAIL = /^[A-Za-z_]+(?: [A-Za-z_]+)? ?(?:[:=]|(?:is|ist|est|es|è|é|lautet) )/;
// Names that contain a cue word but hold no secret: limits, counts, URLs, ids, types, the tokenizer …
const NOT_SECRET_NAME =
  /(?:name|type|url|uri|path|file|(?<!ac)count|limit|length|size|usage|ttl|expir|endpoint|format|version|(?:^|[_.-])id$|[a-z]id$|(?:^|[_.-])(?:max|min|len)(?:[_.-]|$)|tokens|tokeniz|author(?!iz)|auth_?method|rotation|provider|store|manager)/;
const KEY_NAME = /(?:api|private|access|secret|signing|client|service|master|license|subscription|auth|encryption|account|vpn|x)[_. -]?key/;
/** Names ending in "key" that hold lookups, not secrets: cache_key, sort_key, PRIMARY_KEY … */
const NOT_KEY_NAME = /(?:cache|hash|sort|partition|primary|foreign|object|row|map|lookup|hot|idempot|dedup|group|shard|routing|label|public|pub)[_. -]?key/;
/** Whether a lower-cased name holding a cue word, with the word before it, names no secret (`max_tokens`, `token_url`, `object key`). */
export const notSecretName = (name: string, withWordBefore: string): boolean => NOT_SECRET_NAME.test(name) || NOT_KEY_NAME.test(withWordBefore);
/** Whether a lower-cased name with the word before it names a secret key (`api key`, `private_key`, `encryption key`). */
export const isKeyName = (withWordBefore: string): boolean => KEY_NAME.test(withWordBefore);
/** An upper-case identifier or one joined with '_'/'-' (AZURE_STORAGE_KEY, x-api-key, KEY): how env files and headers name things. */
const envStyleName = (name: string): boolean => /^[A-Z0-9_.-]+$/.test(name) || /[_-]/.test(name);
const WORD_BEFORE = /([A-Za-z]{1,16}) $/;
const FILE_PATH = /\/.*\.[a-z]{2,4}$/;
const CODE_REFERENCE = /^(?:process\.env|os\.environ|env\.|self\.|this\.|config\.|settings\.)|^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isIdentChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;

/** Start of the provider token whose hint character (see PROVIDER_START) is at `at`. */
function tokenStart(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === 65 /* A */) return at;
  if (c === 74 /* J */) return at - 2;
  if (c === 83 /* S */) return at;
  let s = at;
  while (s > 0 && isLower(text.charCodeAt(s - 1))) s--;
  return s;
}

// Stripe secret/restricted/webhook keys and GitLab tokens (Stripe's pk_ publishable keys are public by design: not taken).
const LETTERS_MAY_SUFFICE = /^(?:[sr]k_(?:live|test)_|whsec_|glpat-)/;

function providerSecretOk(kind: number, value: string): boolean {
  const body = value.replace(/^(?:sk-ant-(?:api|admin)\d\d-|sk-(?:proj-|svcacct-|admin-)?|[sr]k_(?:live|test)_|whsec_|gh[pousr]_|github_pat_|xox[abposr]-|AIza|glpat-|hf_|npm_|SG\.)/, '');
  if (looksLikePlaceholder(body)) return false;
  if (kind === 3) return !/EXAMPLE/.test(value);
  if (kind === 8) return isJwt(value);
  if (kind === PREFIXED) return !DIGEST_PREFIX.test(value) && looksRandom(value.slice(value.indexOf('_') + 1));
  const cls = charClasses(body);
  const mixedCaseRandom = cls.lower && cls.upper && shannonEntropy(body) >= 3.5;
  // Prefixes no word starts with: a mixed-case random body is a key even when it happens to hold no digit.
  if (LETTERS_MAY_SUFFICE.test(value) && mixedCaseRandom) return true;
  // Real keys are random: letters and digits, mixed case for the base62 formats. Prose like
  // "sk-learn-tutorial-for-beginners" has none of that.
  if (kind === 1 || kind === 2 || kind === 4 || kind === 6 || kind === 7) return cls.digit && mixedCaseRandom;
  // Hugging Face tokens are letters only; the other formats mix in digits.
  if (value.startsWith('hf_')) return mixedCaseRandom;
  return cls.digit && (cls.lower || cls.upper) && shannonEntropy(body) >= 3.0;
}

function isJwt(value: string): boolean {
  const header = value.slice(0, value.indexOf('.'));
  try {
    const json = Buffer.from(header, 'base64url').toString('utf8');
    return json.startsWith('{') && json.includes('"alg"');
  } catch {
    return false;
  }
}

function detectPem(text: string, out: Detection[]): void {
  // Position of the next END marker, searched once and reused: BEGIN markers without END must not make every
  // BEGIN rescan the rest of the text (quadratic).
  let nextEnd = -2;
  for (let i = text.indexOf('-----BEGIN '); i !== -1; i = text.indexOf('-----BEGIN ', i + 1)) {
    PEM_BEGIN.lastIndex = i;
    if (!PEM_BEGIN.exec(text)) continue;
    const bodyStart = PEM_BEGIN.lastIndex;
    if (nextEnd !== -1 && nextEnd < bodyStart) nextEnd = text.indexOf('-----END ', bodyStart);
    let end: number;
    if (nextEnd !== -1 && nextEnd - i < PEM_MAX) {
      const close = text.indexOf('-----', nextEnd + 9);
      end = close === -1 || close - nextEnd > 64 ? nextEnd + 9 : close + 5;
    } else {
      // Truncated block: take the base64 body that follows (bounded).
      end = bodyStart;
      const limit = Math.min(text.length, i + PEM_MAX);
      while (end < limit && isPemBodyChar(text.charCodeAt(end))) end++;
    }
    out.push({ entity: 'API_KEY', start: i, end, confidence: 0.99, detector: 'api_key.pem_private_key' });
    i = end - 1;
  }
}

function isPemBodyChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61 || c === 92 || c <= 32;
}

// A cue inside the same identifier or inside a value already taken is skipped (eachCue).
function detectAssigned(text: string, scan: ScanState, out: Detection[]): void {
  eachCue(text, scan, 'secret', (cueStart, cueEnd) => {
    let s = cueStart;
    let e = cueEnd;
    while (s > 0 && cueStart - s < 40 && isIdentChar(text.charCodeAt(s - 1))) s--;
    // Names may be a few words ("Secret access key: …"): up to two single spaces followed by a letter.
    for (let spaces = 0; e < text.length && e - cueStart < 48; e++) {
      const c = text.charCodeAt(e);
      if (isIdentChar(c)) continue;
      if (c === 32 && spaces < 2 && /[A-Za-z]/.test(text[e + 1] ?? '') && NAME_TAIL.test(text.slice(e + 1, e + 32))) {
        spaces++;
        continue;
      }
      break;
    }
    // … and one word back when that makes a key name ("Encryption key: …").
    if (text.charCodeAt(s - 1) === 32 && (text.charCodeAt(cueStart) | 32) === 107 /* k */) {
      const wordBefore = WORD_BEFORE.exec(text.slice(Math.max(0, s - 17), s));
      if (wordBefore && KEY_NAME.test(`${wordBefore[1]!.toLowerCase()} ${text.slice(s, e).toLowerCase()}`)) s -= wordBefore[0].length;
    }
    const name = text.slice(s, e).toLowerCase();
    if (NOT_SECRET_NAME.test(name)) return e;
    const labelled = NOT_KEY_NAME.test(text.slice(Math.max(0, s - 12), e).toLowerCase()) ? undefined : valueAfterWords(text, e, out);
    if (labelled !== undefined) return labelled;
    // "key" alone is too common ("object key is …"): only compound names like api_key / private key count, and
    // env-style names (AZURE_STORAGE_KEY=, KEY=) whose value is assigned.
    const keyOnly = (text.charCodeAt(cueStart) | 32) === 107 /* k */ && !KEY_NAME.test(name);
    if (keyOnly && (!envStyleName(text.slice(s, e)) || NOT_KEY_NAME.test(name)) && !randomAfter(text, e)) return e;
    VALUE_KEY_AFTER_NAME.lastIndex = e;
    if (VALUE_KEY_AFTER_NAME.exec(text)) {
      const span = readValue(text, VALUE_KEY_AFTER_NAME.lastIndex);
      const value = span && text.slice(span.start, span.end);
      const confidence = value ? genericSecretConfidence(value) : 0;
      if (!span || confidence <= 0) return e;
      out.push({ entity: 'API_KEY', start: span.start, end: span.end, confidence, detector: 'api_key.assigned_secret' });
      return span.end;
    }
    QUOTED_ASSIGNMENT.lastIndex = e;
    if (QUOTED_ASSIGNMENT.exec(text)) {
      // A quoted value is all of what the quotes hold (`'django-insecure-=mjF…*l-ez…&gcG'`).
      const span = readValue(text, QUOTED_ASSIGNMENT.lastIndex);
      const value = span?.quoted ? text.slice(span.start, span.end) : '';
      const confidence = value.length >= 16 && !/\s/.test(value) ? genericSecretConfidence(value) : 0;
      if (span && confidence > 0) {
        out.push({ entity: 'API_KEY', start: span.start, end: span.end, confidence, detector: 'api_key.assigned_secret' });
        return span.end;
      }
    }
    let re = name.endsWith('bearer') ? BEARER_VALUE : ASSIGNED_VALUE;
    re.lastIndex = e;
    let v = re.exec(text);
    // "API token 3fa8…Q7 expired", "secret wJalr…": a random value right after the name.
    const bare = !v && re === ASSIGNED_VALUE;
    if (bare) {
      re = BEARER_VALUE;
      re.lastIndex = e;
      v = re.exec(text);
    }
    if (!v || v[1] === undefined) return e;
    if (bare && keyOnly && !randomAfter(text, e)) return e;
    const value = v[1].replace(/[.=]+$/, (tail) => (tail.includes('=') ? tail : '')); // keep base64 padding, drop a full stop
    const start = re.lastIndex - v[1].length;
    const confidence = bare ? (value.length >= 20 && !UUID.test(value) ? genericSecretConfidence(value) - 0.05 : 0) : genericSecretConfidence(value);
    if (confidence <= 0) return e;
    out.push({ entity: 'API_KEY', start, end: start + value.length, confidence, detector: 'api_key.assigned_secret' });
    return start + value.length;
  });
}

/** A long random value after a few words and a colon that follow the name; returns its end. */
function valueAfterWords(text: string, nameEnd: number, out: Detection[]): number | undefined {
  // (Most names have no colon a few words on: one indexOf spares them the regex.)
  if (!text.slice(nameEnd, nameEnd + 5 * 25).includes(':')) return undefined;
  WORDS_THEN_VALUE.lastIndex = nameEnd;
  const m = WORDS_THEN_VALUE.exec(text);
  const words = m?.[1];
  const value = m?.[2]?.replace(/\.+$/, '');
  if (words === undefined || value === undefined || NOT_SECRET_NAME.test(words.toLowerCase()) || NOT_SECRET_LABEL.test(words) || UUID.test(value) || IDENTIFIER_WORDS.test(value) || !looksRandom(value)) return undefined;
  const confidence = genericSecretConfidence(value) - 0.05;
  if (confidence <= 0) return undefined;
  const start = WORDS_THEN_VALUE.lastIndex - m![2]!.length;
  out.push({ entity: 'API_KEY', start, end: start + value.length, confidence, detector: 'api_key.labelled_secret' });
  return start + value.length;
}

/** Confidence for a value assigned to a secret-like name (0: not a secret). */
export function genericSecretConfidence(value: string): number {
  if (value.length < 16 || looksLikePlaceholder(value) || FILE_PATH.test(value)) return 0;
  // A dotted path of identifiers is code (`config.api.token`) unless it is long and random (Discord bot tokens).
  if (CODE_REFERENCE.test(value) && !(value.length >= 40 && looksRandom(value))) return 0;
  if (UUID.test(value)) return 0.7; // Heroku-style keys are UUIDs; after a secret cue that is what they are
  return looksRandom(value) ? 0.8 : 0;
}

/** For JSON fields named like a secret (`{"api_key": "…"}`): the whole string value is the candidate. */
export function secretFieldName(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_NAME.test(n) && !NOT_SECRET_NAME.test(n);
}

function detectAwsSecretAfterId(text: string, idEnd: number, out: Detection[]): void {
  AWS_SECRET_AFTER_ID.lastIndex = idEnd;
  const v = AWS_SECRET_AFTER_ID.exec(text);
  if (!v || !looksRandom(v[1]!) || looksLikePlaceholder(v[1]!)) return;
  const end = AWS_SECRET_AFTER_ID.lastIndex;
  out.push({ entity: 'API_KEY', start: end - 40, end, confidence: 0.9, detector: 'api_key.aws_secret_access_key' });
  PROVIDER_START.lastIndex = end;
}

/** A provider's key format at a PROVIDER_START hint (`sk-`, `ghp_`, `AKIA` …). */
function detectProviderKey(hint: RegExpExecArray, text: string, _scan: ScanState, out: Detection[]): void {
  PROVIDER.lastIndex = tokenStart(text, hint.index);
  const m = PROVIDER.exec(text);
  if (!m) return;
  PROVIDER_START.lastIndex = PROVIDER.lastIndex; // matches do not overlap
  const kind = m.findIndex((g, i) => i > 0 && g !== undefined);
  if (kind <= 0 || !providerSecretOk(kind, m[0])) return;
  if (kind === 3) detectAwsSecretAfterId(text, m.index + m[0].length, out);
  const testKey = kind === 6 && m[0].includes('_test_');
  out.push({
    entity: 'API_KEY',
    start: m.index,
    end: m.index + m[0].length,
    confidence: testKey ? 0.8 : 0.95,
    detector: `api_key.${PROVIDER_NAMES[kind] ?? 'token'}`,
  });
}

// Webhook URLs whose path is the secret: Slack's `hooks.slack.com/services/T…/B…/…` (the whole path) and Discord's
// `…/api/webhooks/<id>/<token>` (the token), found by the shared cue scan from their fixed parts.
const SLACK_WEBHOOK_PATH = /(T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{16,40})(?![\w-])/y;
const DISCORD_WEBHOOK_PATH = /\d{15,20}\/([\w-]{40,100})(?![\w-])/y;

function detectWebhookUrls(text: string, scan: ScanState, out: Detection[]): void {
  const hits = cueHits(text, scan).webhook;
  for (let h = 0; h < hits.length; h += 2) {
    const secret = text.charCodeAt(hits[h]!) === 97 /* a: api/webhooks/ */ ? DISCORD_WEBHOOK_PATH : SLACK_WEBHOOK_PATH;
    secret.lastIndex = hits[h + 1]!;
    const m = secret.exec(text);
    if (!m || m[1] === undefined || !looksRandom(m[1])) continue;
    out.push({ entity: 'API_KEY', start: secret.lastIndex - m[1].length, end: secret.lastIndex, confidence: 0.9, detector: 'api_key.webhook_url' });
  }
}

function detectTelegramBotTokens(text: string, out: Detection[]): void {
  for (let at = text.indexOf(':AA'); at !== -1; at = text.indexOf(':AA', at + 3)) {
    let s = at;
    while (s > 0 && at - s < 10 && text.charCodeAt(s - 1) >= 48 && text.charCodeAt(s - 1) <= 57) s--;
    TELEGRAM_BOT.lastIndex = s;
    if (at - s < 8 || !TELEGRAM_BOT.exec(text)) continue;
    const value = text.slice(s, TELEGRAM_BOT.lastIndex);
    if (!looksLikePlaceholder(value.slice(at - s + 1))) out.push({ entity: 'API_KEY', start: s, end: TELEGRAM_BOT.lastIndex, confidence: 0.95, detector: 'api_key.telegram' });
  }
}

export const apiKeyRecognizer: Recognizer = {
  name: 'api_key',
  entities: ['API_KEY'],
  detect(text: string, scan: ScanState, out: Detection[]): void {
    eachMatch(PROVIDER_START, text, scan, out, detectProviderKey);
    if (text.indexOf('-----BEGIN ') !== -1) detectPem(text, out);
    detectTelegramBotTokens(text, out);
    detectWebhookUrls(text, scan, out);
    detectAssigned(text, scan, out);
    detectClientKeys(text, out);
    if (scan.fieldName !== undefined && secretFieldName(scan.fieldName)) {
      const value = text.trim();
      const confidence = /\s/.test(value) ? 0 : genericSecretConfidence(value);
      if (confidence > 0) {
        const start = text.indexOf(value);
        out.push({ entity: 'API_KEY', start, end: start + value.length, confidence, detector: 'api_key.secret_field' });
      }
    }
  },
};
