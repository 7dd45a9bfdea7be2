// The verifier's view of one prompt (verify.ts compares two): its words with their contextual vectors and roles
// (content, function, politeness, number, …), and the discrete details that change an answer — quoted text, code
// identifiers, quantities, formats, named entities, negations and the kind of answer asked for.
import type { EncodedText } from '../../lib/embedder.ts';
import { extractQuantities, type Quantities } from './verify-quantities.ts';
import { splitWords, wordVectors, type Word } from './verify-words.ts';
import {
  AMOUNT_AFTER_HOW,
  ANSWER_TYPES,
  ANSWER_WORDS,
  FORMATS,
  FRAMING_WORDS,
  FUNCTION_WORDS,
  NEGATED_AUXILIARIES,
  NEGATIONS,
  NUMBER_WORDS,
  POLITENESS_PATTERNS,
  UNITS,
} from './verify-lexicon.ts';

export type Role = 'content' | 'framing' | 'function' | 'polite' | 'punct' | 'number' | 'unit' | 'negation' | 'question';

export interface Token extends Word {
  index: number;
  role: Role;
  vector: Float32Array | undefined;
  /** A name (capitalised mid-sentence, an acronym, inner capitals): matched by spelling only. */
  entity: boolean;
}

export interface Prompt {
  text: string;
  tokens: Token[];
  quoted: string[];
  code: Set<string>;
  quantities: Quantities;
  formats: Set<string>;
  entities: Set<string>;
  negations: string[];
  answerTypes: Set<string>;
  sentences: number;
}

/** What the verifier needs of a prompt: its text and, when the model is at hand, its encoding. */
export interface PromptInput {
  text: string;
  encoded?: EncodedText | undefined;
}

/** Misspelt words of this prompt → the word of the other prompt they stand for (verify.ts). */
export type Corrections = ReadonlyMap<string, string>;

const SCALE_WORDS = new Set(['thousand', 'million', 'billion', 'trillion', 'k', 'mn', 'bn']);
/** A question word asks the question when it opens its clause or follows a verb of asking ("tell me how"). */
const ASKS_BEFORE = new Set(['me', 'know', 'wondering', 'wonder', 'and', 'or', 'not', 'explain', 'tell', 'show', 'ask', 'about', 'on', 'in', 'to', 'is', 'exactly', 'so']);
const stemOf = (w: string) => w.replace(/(?:ing|ed|es|s)$/, '');
const FRAMING_STEMS = new Set([...FRAMING_WORDS].map(stemOf));
// "writing" is "write": the stem of an -ing form may have lost an "e"
const isFraming = (w: string) => FRAMING_WORDS.has(w) || (w.length > 4 && (FRAMING_STEMS.has(stemOf(w)) || (w.endsWith('ing') && FRAMING_WORDS.has(`${stemOf(w)}e`))));

// Identifiers as programmers write them: dotted paths, calls, camelCase, snake_case, flags, operators, a/b/c paths.
const CODE_PATTERNS: readonly RegExp[] = [
  /\b[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\w*\))?/g,
  /\b[A-Za-z_$][\w$]*\(\w*\)/g,
  /\b[a-z]+[A-Z][\w$]*/g,
  /\b[A-Za-z]\w*_\w+/g,
  /(?<![\w-])--?[a-zA-Z][\w-]*/g,
  /[=!<>]==?|=>|->|&&|\|\||::|\/\/|\*\*/g,
  /\b[A-Za-z]{1,4}(?:\/[A-Za-z]{1,4}){2,}\b/g,
];
const ABBREVIATIONS = new Set(['e.g', 'i.e', 'etc', 'vs', 'a.m', 'p.m', 'u.s', 'u.k', 'node.js', 'next.js', 'vue.js']);
// A one-letter flag keeps its case: "-p" and "-P" are different options.
const normalizeIdentifier = (s: string) => (/^-[A-Za-z]$/.test(s) ? s : s.toLowerCase().replace(/[^a-z0-9=!<>&|:/*-]/g, ''));

/** Character spans of politeness and framing formulas (outside quotes and code). */
function politeSpans(text: string): Array<[number, number]> {
  // Same length as the text, so that match offsets are word offsets.
  const lower = text.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[A-Z]/g, (c) => c.toLowerCase());
  const out: Array<[number, number]> = [];
  for (const re of POLITENESS_PATTERNS) for (const m of lower.matchAll(re)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/** Nouns that make the word before them the name of a thing in code ("the find command", "the map function"). */
const TOOL_NOUNS = new Set(['command', 'commands', 'function', 'functions', 'method', 'methods', 'library', 'package', 'module', 'flag', 'option', 'keyword', 'clause', 'statement', 'operator', 'attribute', 'property', 'tag', 'hook', 'directive', 'cmdlet', 'builtin', 'utility', 'api', 'endpoint', 'plugin', 'extension']);

/** "the find command": a word named by the noun after it, compared by spelling ("find" is not "locate" here). */
function namesTool(w: Word, prev: Word | undefined, next: Word | undefined): boolean {
  return !w.punct && next !== undefined && TOOL_NOUNS.has(next.text) && (prev?.text === 'the' || prev?.text === 'a') && !FUNCTION_WORDS.has(w.text) && !TOOL_NOUNS.has(w.text);
}

/** "A is 25% larger than B", "what is A?": a capital letter standing for something, not the article. */
function isVariable(w: Word, next: Word | undefined): boolean {
  return /^[A-HJ-Z]$/.test(w.raw) && (next === undefined || next.punct || FUNCTION_WORDS.has(next.text));
}

function isEntity(w: Word): boolean {
  // Units, number words and formats are compared as such ("100 °F" = "100 degrees Fahrenheit", "3 PM" = "15:00").
  if (w.punct || w.text === 'i' || /^\d/.test(w.raw) || UNITS[w.text] !== undefined || NUMBER_WORDS[w.text] !== undefined || FORMATS[w.text] !== undefined) return false;
  if (/^(?:am|pm|a\.m|p\.m)$/.test(w.text)) return false;
  const caps = (w.raw.match(/\p{Lu}/gu) ?? []).length;
  if (caps >= 2 || /\p{Lu}/u.test(w.raw.slice(1))) return true; // NASA, iPhone, GitHub
  return caps === 1 && /^\p{Lu}/u.test(w.raw) && !w.sentenceStart;
}

export function analyze(input: PromptInput, corrections: Corrections = new Map()): Prompt {
  const { text } = input;
  const words = splitWords(text);
  const vectors = wordVectors(words, input.encoded);
  const polite = politeSpans(text);
  const inPolite = (w: Word) => !w.quoted && polite.some(([s, e]) => w.start >= s && w.start < e);
  // Quantities are read without the politeness ("quick one"), misspelt units as meant.
  let quantityText = text;
  for (const [start, end] of polite) quantityText = quantityText.slice(0, start) + ' '.repeat(end - start) + quantityText.slice(end);
  const quantities = extractQuantities(quantityText, corrections);
  const inQuantity = (w: Word) => quantities.spans.some(([s, e]) => w.start >= s && w.start < e);
  for (const w of words) w.text = corrections.get(w.text) ?? w.text;
  const negations: string[] = [];
  const answerTypes = new Set<string>();
  const formats = new Set<string>();
  const entities = new Set<string>();
  // the punctuation mark that ends each word's clause
  const clauseEnds: Array<string | undefined> = [];
  for (let i = words.length - 1, end: string | undefined; i >= 0; i--) {
    clauseEnds[i] = end;
    if (words[i]!.punct && /[,;:.!?]/.test(words[i]!.raw)) end = words[i]!.raw;
  }
  let clauseStart = true;
  const tokens: Token[] = words.map((w, i) => {
    const prev = words[i - 1]?.text;
    const next = words[i + 1]?.text;
    const entity = !w.code && (isEntity(w) || isVariable(w, words[i + 1]) || namesTool(w, words[i - 1], words[i + 1]));
    let role: Role;
    if (w.punct) role = 'punct';
    else if (inPolite(w)) role = 'polite';
    else if (/^\d/.test(w.text) || (NUMBER_WORDS[w.text] !== undefined && w.text !== 'one' && w.text !== 'second') || (SCALE_WORDS.has(w.text) && /^\d/.test(prev ?? ''))) role = 'number';
    else if (inQuantity(w) || UNITS[w.text]?.named) role = 'unit'; // compared as quantities and units
    else if (w.text === 't' && prev === "'" && NEGATED_AUXILIARIES.has(words[i - 2]?.text ?? '')) role = 'negation';
    else if (NEGATIONS[w.text] !== undefined && (w.text !== 'free' || prev === '-')) role = 'negation';
    else if (!w.quoted && ANSWER_TYPES[w.text] !== undefined) role = 'question';
    else if (entity) role = 'content';
    else if (FUNCTION_WORDS.has(w.text) || (NEGATED_AUXILIARIES.has(w.text) && next === "'")) role = 'function';
    else if (isFraming(w.text) || (ANSWER_WORDS[w.text] !== undefined && (prev === 'what' || prev === 'which')) || (w.text === 'best' && /^(?:way|ways|method|approach|practice|practices)$/.test(next ?? '')) || (w.text === 'set' && next === 'up')) role = 'framing';
    else role = 'content';
    const opensClause = clauseStart || w.sentenceStart || ASKS_BEFORE.has(prev ?? '') || (prev !== undefined && isFraming(prev));
    if (role !== 'polite' && role !== 'punct') clauseStart = false;
    if (w.punct && /[,;:.!?]/.test(w.raw)) clauseStart = true;
    // "how should I structure it when writing a thesis", "when you buy a home, what is …": subordinate, not the question
    if (role === 'question' && (!opensClause || clauseEnds[i] === ',' || /ing$/.test(next ?? ''))) role = 'function';
    if (role === 'negation') negations.push(w.text === 't' ? 'not' : NEGATIONS[w.text]!);
    if (role === 'question') answerTypes.add(w.text === 'how' && AMOUNT_AFTER_HOW.has(next ?? '') ? 'amount' : ANSWER_TYPES[w.text]!);
    if (FORMATS[w.text] !== undefined && role === 'content') formats.add(FORMATS[w.text]!);
    if (entity && role !== 'polite') entities.add(w.text);
    return { ...w, index: i, role, vector: vectors[i], entity };
  });

  const quoted: string[] = [];
  const code = new Set<string>();
  for (const m of text.matchAll(/\x60([^\x60]+)\x60/g)) code.add(normalizeIdentifier(m[1]!));
  for (const m of text.matchAll(/["\u201c]([^"\u201c\u201d]+)["\u201d]|(?<![\p{L}\p{N}])['\u2018]([^'\u2018\u2019]+)['\u2019](?![\p{L}\p{N}])|\x60([^\x60]+)\x60/gu)) {
    quoted.push((m[1] ?? m[2] ?? m[3] ?? '').trim().toLowerCase().replace(/\s+/g, ' '));
  }
  for (const re of CODE_PATTERNS) {
    for (const m of text.matchAll(re)) {
      const id = m[0].replace(/[.,;:]+$/, '');
      if (!ABBREVIATIONS.has(id.toLowerCase())) code.add(normalizeIdentifier(id));
    }
  }
  return {
    text,
    tokens,
    quoted,
    code,
    quantities,
    formats,
    entities,
    negations: negations.sort(),
    answerTypes,
    sentences: (words.at(-1)?.sentence ?? 0) + 1,
  };
}
