// The verifier's view of one prompt (verify.ts compares two): normalised text, then the discrete details that change
// an answer — quoted text, code identifiers, numbers, units, formats, named entities, negations, the kind of answer,
// the neighbours of direction words — and the remaining content words, stemmed and mapped to one synonym each.
// Quote characters inside regular expressions are written as escapes (\x22 double quote, \x27 apostrophe, \x60
// backtick) so that tools reading this file as plain text do not take them for the start of a string.
import {
  AMOUNT_AFTER_HOW,
  ANSWER_TYPES,
  DIRECTION_CONNECTORS,
  FORMATS,
  FRAMING_WORDS,
  NEGATIONS,
  POLITENESS_PATTERNS,
  STOPWORDS,
  SYNONYM_GROUPS,
  UNITS,
} from './verify-lexicon.ts';

export interface Features {
  quoted: string[];
  code: Set<string>;
  numbers: string[];
  units: Set<string>;
  formats: Set<string>;
  entities: Set<string>;
  negations: string[];
  answerTypes: Set<string>;
  /** canonical stem → the word as written */
  content: Map<string, string>;
  /** every lower-case word token, for presence checks */
  words: Set<string>;
  /** neighbours of direction words ("A to B"): connector → left / right key words */
  roles: Map<string, { left: Set<string>; right: Set<string> }>;
}

const NUMBER_WORDS: Readonly<Record<string, string>> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10',
  eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15', sixteen: '16', seventeen: '17', eighteen: '18',
  nineteen: '19', twenty: '20', thirty: '30', forty: '40', fifty: '50', sixty: '60', seventy: '70', eighty: '80', ninety: '90',
  hundred: '100', thousand: '1000', million: '1000000', billion: '1000000000', dozen: '12', half: '0.5', twice: '2x', double: '2x', triple: '3x',
  first: '1', second: '2', third: '3', fourth: '4', fifth: '5', sixth: '6', seventh: '7', eighth: '8', ninth: '9', tenth: '10',
};
/** "one" is often a pronoun ("which one", "one of"): counted as a number only elsewhere. */
const ONE_AS_PRONOUN_BEFORE = new Set(['which', 'this', 'that', 'the', 'any', 'every', 'each', 'no', 'some', 'another']);
const ONE_AS_PRONOUN_AFTER = new Set(['of', 'another', 'or']);
/** Sentence-initial capitals and these tokens are not named entities. */
const NOT_ENTITIES = new Set(['i', 'ok', 'okay']);

export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length >= 6 && w.endsWith('ly') && !w.endsWith('ily')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && w.at(-1) === w.at(-2) && !/[aeiou]/.test(w.at(-1)!)) w = w.slice(0, -1);
  return w;
}

const SYNONYM_OF = new Map<string, string>();
for (const group of SYNONYM_GROUPS) for (const word of group) SYNONYM_OF.set(stem(word), stem(group[0]!));
/** Function and framing words as written. */
export const IGNORED_WORDS = new Set([...STOPWORDS, ...FRAMING_WORDS]);
const IGNORED_STEMS = new Set([...FRAMING_WORDS].map(stem));
/** Function and framing words, in any inflection ("lists", "explains"). */
const isIgnored = (word: string) => IGNORED_WORDS.has(word) || IGNORED_STEMS.has(stem(word));

const canonical = (word: string) => {
  const s = stem(word);
  return SYNONYM_OF.get(s) ?? s;
};

// Identifiers as programmers write them: dotted paths, calls, camelCase, snake_case, flags, operators.
const CODE_PATTERNS: readonly RegExp[] = [
  /\b[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\w*\))?/g,
  /\b[A-Za-z_$][\w$]*\(\w*\)/g,
  /\b[a-z]+[A-Z][\w$]*/g,
  /\b[A-Za-z]\w*_\w+/g,
  /(?<![\w-])--?[a-zA-Z][\w-]*/g,
  /[=!<>]==?|=>|->|&&|\|\||::/g,
];
const ABBREVIATIONS = new Set(['e.g', 'i.e', 'etc', 'vs', 'a.m', 'p.m']);
const normalizeIdentifier = (s: string) => s.toLowerCase().replace(/[^a-z0-9=!<>&|:-]/g, '');

function extractQuoted(text: string): { rest: string; quoted: string[]; code: string[] } {
  const quoted: string[] = [];
  const code: string[] = [];
  let rest = text.replace(/\x60([^\x60]+)\x60/g, (_, inner: string) => {
    code.push(inner.trim());
    quoted.push(inner.trim().toLowerCase().replace(/\s+/g, ' '));
    return ' ';
  });
  rest = rest.replace(/\x22([^\x22]+)\x22|(?<![\p{L}\p{N}])\x27([^\x27]+)\x27(?![\p{L}\p{N}])/gu, (_, dq: string | undefined, sq: string | undefined) => {
    quoted.push((dq ?? sq ?? '').trim().toLowerCase().replace(/\s+/g, ' '));
    return ' ';
  });
  return { rest, quoted, code };
}

export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\bcan[\x27’]?t\b/gi, 'can not')
    .replace(/\bwon[\x27’]t\b/gi, 'will not')
    .replace(/\bcannot\b/gi, 'can not')
    .replace(/n[\x27’]t\b/gi, ' not')
    .replace(/[\x27’](?:s|d|ll|re|ve|m)\b/gi, '')
    .replace(/\bstep[- ]by[- ]step\b/gi, ' stepwise ')
    .replace(/\bbullet[- ]points?\b/gi, ' bullets ')
    .replace(/\bkm\/h\b/gi, ' kmh ')
    .replace(/\bget rid of\b/gi, ' remove ');
}

function removePoliteness(text: string): string {
  let out = text.toLowerCase();
  for (const re of POLITENESS_PATTERNS) out = out.replace(re, ' ');
  return out;
}

/** Capitalised words that are not sentence-initial, and acronyms / inner capitals anywhere ("NASA", "iPhone"). */
function extractEntities(text: string): Set<string> {
  const out = new Set<string>();
  const re = /[\p{L}\p{N}][\p{L}\p{N}]*/gu;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const sentenceStart = last === 0 || /[.!?:;\n][\s\x22\x27(]*$/.test(text.slice(last, m.index));
    const token = m[0];
    const lower = token.toLowerCase();
    const innerCaps = /\p{Lu}/u.test(token.slice(1));
    const capital = /^\p{Lu}/u.test(token);
    if (!NOT_ENTITIES.has(lower) && !/^\d+$/.test(token) && (innerCaps || (capital && !sentenceStart))) out.add(lower);
    last = m.index + token.length;
  }
  return out;
}

function extractNumbers(text: string, tokens: string[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\p{L}\d.])\d[\d,]*(?:\.\d+)?/gu)) {
    const n = m[0].replace(/,/g, '');
    out.push(n.includes('.') ? String(Number(n)) : n.replace(/^0+(?=\d)/, ''));
  }
  tokens.forEach((t, i) => {
    const value = NUMBER_WORDS[t];
    if (value === undefined) return;
    if (t === 'one' && (ONE_AS_PRONOUN_BEFORE.has(tokens[i - 1] ?? '') || ONE_AS_PRONOUN_AFTER.has(tokens[i + 1] ?? ''))) return;
    if (t === 'second' && UNITS[tokens[i + 1] ?? ''] === undefined && tokens[i - 1] !== 'the') return; // "second" as in "a second opinion"
    out.push(value);
  });
  return out.sort();
}

function extractRoles(tokens: string[], isKey: (t: string) => boolean): Map<string, { left: Set<string>; right: Set<string> }> {
  const roles = new Map<string, { left: Set<string>; right: Set<string> }>();
  tokens.forEach((t, i) => {
    if (!DIRECTION_CONNECTORS.has(t)) return;
    const role = roles.get(t) ?? { left: new Set<string>(), right: new Set<string>() };
    roles.set(t, role);
    for (let j = i - 1; j >= Math.max(0, i - 3); j--) {
      if (DIRECTION_CONNECTORS.has(tokens[j]!)) break;
      if (isKey(tokens[j]!)) {
        role.left.add(keyOf(tokens[j]!));
        break;
      }
    }
    for (let j = i + 1; j <= Math.min(tokens.length - 1, i + 3); j++) {
      if (DIRECTION_CONNECTORS.has(tokens[j]!)) break;
      if (isKey(tokens[j]!)) {
        role.right.add(keyOf(tokens[j]!));
        break;
      }
    }
  });
  return roles;
}

const keyOf = (token: string) => UNITS[token] ?? FORMATS[token] ?? NUMBER_WORDS[token] ?? canonical(token);

export function analyze(prompt: string): Features {
  const normalized = normalizeText(prompt);
  const { rest, quoted, code: backticked } = extractQuoted(normalized);
  const polite = removePoliteness(rest);
  // Quoted words still count as words ("affect" and "effect" in quotes or not); politeness never applies inside quotes.
  const combinedLower = `${polite} . ${quoted.join(' . ')}`;
  const original = `${rest} . ${backticked.join(' . ')} . ${quoted.join(' . ')}`;
  const tokens = (combinedLower.match(/[\p{L}\p{N}]+|[$€£¥%]/gu) ?? []).map((t) => t.toLowerCase());

  const entities = extractEntities(original);
  const code = new Set<string>();
  for (const re of CODE_PATTERNS) {
    for (const m of original.matchAll(re)) {
      const id = m[0].replace(/[.,;:]+$/, '');
      if (!ABBREVIATIONS.has(id.toLowerCase())) code.add(normalizeIdentifier(id));
    }
  }
  for (const b of backticked) code.add(normalizeIdentifier(b));

  const units = new Set<string>();
  const formats = new Set<string>();
  const negations: string[] = [];
  const answerTypes = new Set<string>();
  const content = new Map<string, string>();
  tokens.forEach((raw, i) => {
    const t = raw.replace(/^\d+(?=[a-z])/, ''); // "10km" → "km"
    if (UNITS[t] !== undefined) units.add(UNITS[t]);
    else if (FORMATS[t] !== undefined) formats.add(FORMATS[t]);
    else if (NEGATIONS[t] !== undefined) negations.push(NEGATIONS[t]);
    else if (ANSWER_TYPES[t] !== undefined) answerTypes.add(t === 'how' && AMOUNT_AFTER_HOW.has(tokens[i + 1] ?? '') ? 'amount' : ANSWER_TYPES[t]);
    else if (NUMBER_WORDS[t] === undefined && !/^\d/.test(t) && !isIgnored(t) && t.length >= 2) content.set(canonical(t), t);
  });
  const numbers = extractNumbers(combinedLower, tokens);
  // Named entities count even when short or a function word elsewhere ("from A to Z").
  const isKey = (t: string) => UNITS[t] !== undefined || FORMATS[t] !== undefined || /^\d/.test(t) || entities.has(t) || content.has(canonical(t));
  return {
    quoted,
    code,
    numbers,
    units,
    formats,
    entities,
    negations: negations.sort(),
    answerTypes,
    content,
    words: new Set(tokens),
    roles: extractRoles(tokens, isKey),
  };
}
