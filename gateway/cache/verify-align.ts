// Word alignment between two prompts. Every content word of each prompt must be explained by a word of the other:
// the same word (any inflection), a misspelling of it, or a word the embedding model reads the same way in context
// (cosine of the two contextual vectors at or above a floor — BERTScore-style greedy alignment). Names, code and
// quoted text align by spelling only; opposites never align. Aligned words then tell whether two arguments traded
// places around a relation ("A's aunt is B" / "B's aunt is A", "convert X to Y" / "convert Y to X").
import { cosine } from './verify-words.ts';
import { dictionaryWord, isNoun, isVerb, wordnetSynonyms } from './thesaurus.ts';
import type { Prompt, Token } from './verify-features.ts';
import { ANSWER_WORDS, COORDINATORS, FORMATS, FUNCTION_WORDS, IRREGULAR_VERBS, NUMERIC_WORDS, OPPOSITES, POLARITY_PREFIXES, SAME_WORDS, UNITS } from './verify-lexicon.ts';

/** Contextual cosine above which two WordNet synonyms align: below it the model reads them in different senses. */
export const THESAURUS_FLOOR = 0.5;

export type KnownWord = (word: string) => boolean;

export function stem(word: string): string {
  let w = word.toLowerCase();
  w = IRREGULAR_VERBS[w] ?? w;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('es') && /(?:ss|x|ch|sh|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && w.at(-1) === w.at(-2) && !/[aeiou]/.test(w.at(-1)!)) w = w.slice(0, -1);
  return w;
}

/** Damerau–Levenshtein distance (adjacent transpositions count 1), stopping early above `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

const OPPOSITE_PAIRS = new Set(OPPOSITES.flatMap(([a, b]) => [`${a}|${b}`, `${b}|${a}`, `${stem(a)}|${stem(b)}`, `${stem(b)}|${stem(a)}`]));
const SAME_GROUP = new Map<string, number>();
SAME_WORDS.forEach((group, i) => group.forEach((w) => SAME_GROUP.set(w, i)));

/** Opposites: listed, or the same root under two opposite prefixes ("lock"/"unlock", "encrypt"/"decrypt", "import"/"export"). */
export function opposite(a: string, b: string): boolean {
  if (a === b) return false;
  if (OPPOSITE_PAIRS.has(`${a}|${b}`) || OPPOSITE_PAIRS.has(`${stem(a)}|${stem(b)}`)) return true;
  for (const [p, q] of POLARITY_PREFIXES) {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      if (!x.startsWith(p) || !y.startsWith(q)) continue;
      const rootX = x.slice(p.length);
      const rootY = y.slice(q.length);
      if (rootX.length >= (p === '' ? 4 : 3) && (rootX === rootY || stem(rootX) === stem(rootY))) return true;
    }
  }
  return false;
}

/** The two words differ by one pair of neighbouring letters swapped, and nothing else. */
function adjacentSwap(a: string, b: string): boolean {
  const at = [...a].findIndex((c, i) => c !== b[i]);
  return a.length === b.length && at >= 0 && a[at] === b[at + 1] && a[at + 1] === b[at] && a.slice(at + 2) === b.slice(at + 2);
}

/**
 * Same length, two letters replaced ("megabytes" / "mebibytes"): another word, unless one letter moved over a
 * neighbour ("begginer" / "beginner") or two letters traded places.
 */
function twoReplaced(a: string, b: string): boolean {
  const at = [...a].flatMap((c, i) => (c !== b[i] ? [i] : []));
  if (at.length !== 2) return false;
  const [i, j] = at as [number, number];
  // one letter moved over a neighbour, or two letters exchanged ("emporer" / "emperor")
  return !((j === i + 1 && (a[j] === b[i] || a[i] === b[j])) || (a[i] === b[j] && a[j] === b[i]));
}

/** A misspelling of the other word: small edit distance, not two different real words, not opposites. */
export function isTypo(a: string, b: string, knownWord: KnownWord | undefined): boolean {
  if (!knownWord || a === b || a.length < 3 || b.length < 3 || /\d/.test(a + b)) return false;
  if (knownWord(a) && knownWord(b)) return false; // two real words are two words
  if (opposite(a, b)) return false;
  const longest = Math.max(a.length, b.length);
  // typing slips keep the first letter (or swap the first two): "methanol" is no misspelling of "ethanol"
  if (a[0] !== b[0] && !(a[0] === b[1] && a[1] === b[0])) return false;
  const distance = editDistance(a, b);
  if (distance > (longest >= 7 ? 2 : 1)) return false;
  // two letters replaced in place is another word more often than a slip
  if (distance === 2 && a.length === b.length && twoReplaced(a, b)) return false;
  // Two unknown words are a misspelt term only if they differ inside, or by two letters swapped ("ubunut"); identifiers
  // differ at an end ("readline"/"readlines").
  return knownWord(a) || knownWord(b) || dictionaryWord(a) || dictionaryWord(b) || (a.slice(0, 2) === b.slice(0, 2) && a.slice(-2) === b.slice(-2)) || (longest >= 5 && adjacentSwap(a, b));
}

/**
 * Same word: identical, another inflection, a listed abbreviation or spelling, or a misspelling. Two unknown words
 * (identifiers, jargon: "readline" / "readlines") must be spelt the same.
 */
export function sameWord(a: string, b: string, knownWord: KnownWord | undefined): boolean {
  if (a === b) return true;
  if (stem(a) === stem(b) && (!knownWord || knownWord(a) || knownWord(b) || dictionaryWord(a) || dictionaryWord(b))) return true;
  const g = SAME_GROUP.get(a);
  if (g !== undefined && g === SAME_GROUP.get(b)) return true;
  return isTypo(a, b, knownWord);
}

const comparable = (t: Token) => t.role === 'content' || t.role === 'framing';
/** Names, code, quoted text, units, formats and number-like words align by spelling only ("minutes" is not "seconds"). */
const spellingOnly = (t: Token) => t.entity || t.code || t.quoted || UNITS[t.text] !== undefined || FORMATS[t.text] !== undefined || NUMERIC_WORDS.has(t.text);

export interface Alignment {
  /** Content words of each side that nothing on the other side explains. */
  onlyA: Token[];
  onlyB: Token[];
  /** One-to-one pairs (identical words by order of occurrence, then the closest remaining content words). */
  pairs: Array<[Token, Token]>;
}

export interface AlignOptions {
  knownWord?: KnownWord | undefined;
  /** Contextual cosine at which two different words count as the same. */
  floor: number;
  /** A lower cosine that is enough when the two prompts as a whole are close (`close`). */
  weakFloor: number;
  close: boolean;
}

function similarity(x: Token, y: Token, opts: AlignOptions): number {
  if (sameWord(x.text, y.text, opts.knownWord)) return 1;
  const [unitX, unitY] = [UNITS[x.text], UNITS[y.text]];
  if (unitX !== undefined && unitX.name === unitY?.name) return 1; // "feet" / "foot", "milliliters" / "ml"
  if (spellingOnly(x) || spellingOnly(y) || opposite(x.text, y.text) || !x.vector || !y.vector) return 0;
  // Variants of a word the model does not know are identifiers or terms of art ("readline" / "readlines",
  // "map" / "flatmap"): their vectors, read from the same pieces, are close whatever they name.
  const unknown = opts.knownWord && !opts.knownWord(x.text) && !opts.knownWord(y.text);
  if (unknown && (x.text.includes(y.text) || y.text.includes(x.text) || x.text.slice(0, 4) === y.text.slice(0, 4))) return 0;
  // A word neither the model nor the dictionary knows names a thing (a library, a product: "httpx" / "requests"):
  // the model reads such names alike by their context, so they match by spelling only.
  if (opts.knownWord && [x.text, y.text].some((w) => !opts.knownWord!(w) && !dictionaryWord(w))) return 0;
  const similar = cosine(x.vector, y.vector);
  // dictionary synonyms need less agreement from the model ("purpose" / "function" read apart in context)
  if (similar < opts.floor && similar >= THESAURUS_FLOOR && wordnetSynonyms(x.text, y.text)) return opts.floor;
  return similar;
}

const floorOf = (opts: AlignOptions) => (opts.close ? Math.min(opts.floor, opts.weakFloor) : opts.floor);

/** "mergeconflict" is "merge conflict"; "bestseller" is "best seller". */
function joinedIn(word: Token, other: Prompt): boolean {
  const t = other.tokens;
  for (let i = 0; i + 1 < t.length; i++) if (!t[i]!.punct && t[i]!.text + t[i + 1]!.text === word.text) return true;
  return false;
}

/** The words of `p` an acronym stands for, by their initials ("AC" → "air conditioning", "NY" → "New York"). */
export function expansion(acronym: string, p: Prompt): Token[] | undefined {
  if (!/^[a-z]{2,5}$/.test(acronym)) return undefined;
  const words = p.tokens.filter((t) => !t.punct);
  for (let i = 0; i + acronym.length <= words.length; i++) {
    const run = words.slice(i, i + acronym.length);
    if (run.every((t, k) => t.text.length > 1 && t.text[0] === acronym[k])) return run;
  }
  return undefined;
}

/** A word left over after the one-to-one alignment that still says nothing new. */
function redundant(x: Token, mine: Prompt, other: Prompt, opts: AlignOptions, otherLeftOver: boolean): boolean {
  // an acronym and the words it stands for
  if (x.entity && expansion(x.text, other)) return true;
  if (other.tokens.some((y) => y.entity && expansion(y.text, mine)?.includes(x))) return true;
  // a repetition of a word the other prompt has ("cook rice in a rice cooker": the second "rice"), unless the other
  // prompt has a word of its own in its place ("the requests library" / "the httpx library")
  if (!otherLeftOver && other.tokens.some((y) => comparable(y) && sameWord(x.text, y.text, opts.knownWord))) return true;
  if (joinedIn(x, other) || other.tokens.some((z) => z.text.length > x.text.length && z.text.includes(x.text) && joinedIn(z, mine))) return true;
  // "what causes" asks what "why" asks; "in what year" what "when" asks.
  const asks = ANSWER_WORDS[x.text];
  if (asks !== undefined && other.answerTypes.has(asks) && !mine.answerTypes.has(asks)) return true;
  // "how many" against a query that asks nothing in words ("sugar grams can of coke"): the amount was the question
  if (asks === 'amount' && mine.tokens[x.index - 1]?.text === 'how' && other.answerTypes.size === 0) return true;
  // a misspelt function word ("wiht", "befor", "wat") is as ignorable as the word
  return other.tokens.some(
    (y) =>
      (y.role === 'function' || y.role === 'question') &&
      y.text.length >= 3 &&
      editDistance(x.text, y.text, 1) <= 1 &&
      (!opts.knownWord?.(x.text) || (x.vector !== undefined && y.vector !== undefined && cosine(x.vector, y.vector) >= opts.floor)),
  );
}

/**
 * One-to-one alignment: identical words by order of occurrence, then the closest remaining pairs of content (or
 * framing) words at or above the floor. A word may stand for one word of the other prompt only — "cooker" cannot
 * ride on the "cook" that is already matched.
 */
export function align(a: Prompt, b: Prompt, opts: AlignOptions): Alignment {
  const pairs: Array<[Token, Token]> = [];
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const take = (x: Token, y: Token) => {
    pairs.push([x, y]);
    usedA.add(x.index);
    usedB.add(y.index);
  };
  const wordsA = a.tokens.filter((t) => !t.punct && t.role !== 'polite');
  const wordsB = b.tokens.filter((t) => !t.punct && t.role !== 'polite');
  const byText = new Map<string, Token[]>();
  for (const y of wordsB) byText.set(y.text, [...(byText.get(y.text) ?? []), y]);
  const seen = new Map<string, number>();
  for (const x of wordsA) {
    const k = seen.get(x.text) ?? 0;
    seen.set(x.text, k + 1);
    const y = byText.get(x.text)?.[k];
    if (y) take(x, y);
  }
  const floor = floorOf(opts);
  const candidates: Array<[number, Token, Token]> = [];
  // units align too, by spelling only ("grams" / "gram"), so that a swap of them is seen ("grams in an ounce" / "ounces in a gram")
  const alignable = (t: Token) => comparable(t) || t.role === 'unit';
  const openB = wordsB.filter((y) => alignable(y) && !usedB.has(y.index));
  for (const x of wordsA) {
    if (!alignable(x) || usedA.has(x.index)) continue;
    for (const y of openB) {
      const s = similarity(x, y, opts);
      if (s >= floor) candidates.push([s, x, y]);
    }
  }
  candidates.sort((p, q) => q[0] - p[0]);
  for (const [, x, y] of candidates) if (!usedA.has(x.index) && !usedB.has(y.index)) take(x, y);
  const unmatchedA = wordsA.filter((x) => x.role === 'content' && !usedA.has(x.index));
  const unmatchedB = wordsB.filter((y) => y.role === 'content' && !usedB.has(y.index));
  const onlyA = unmatchedA.filter((x) => !redundant(x, a, b, opts, unmatchedB.length > 0));
  const onlyB = unmatchedB.filter((y) => !redundant(y, b, a, opts, unmatchedA.length > 0));
  return { onlyA, onlyB, pairs };
}

/** A word one prompt has more often than the other, opposite to a word the other has more often ("turn on" / "turn off"). */
export function oppositeWords(a: Prompt, b: Prompt): [string, string] | undefined {
  const counts = (p: Prompt) => {
    const c = new Map<string, number>();
    for (const t of p.tokens) if (!t.punct && t.role !== 'polite') c.set(t.text, (c.get(t.text) ?? 0) + 1);
    return c;
  };
  const countA = counts(a);
  const countB = counts(b);
  const stemsA = new Set([...countA.keys()].map(stem));
  const stemsB = new Set([...countB.keys()].map(stem));
  const extraA = [...countA].filter(([w, n]) => n > (countB.get(w) ?? 0) && (countB.has(w) || !stemsB.has(stem(w)))).map(([w]) => w);
  const extraB = [...countB].filter(([w, n]) => n > (countA.get(w) ?? 0) && (countA.has(w) || !stemsA.has(stem(w)))).map(([w]) => w);
  for (const x of extraA) for (const y of extraB) if (opposite(x, y)) return [x, y];
  return undefined;
}

/**
 * Two aligned arguments in opposite order with the same relation between them on both sides: the roles were swapped
 * ("Is France bigger than Spain" / "Is Spain bigger than France", "A's aunt is B" / "B's aunt is A"). Moving a
 * phrase elsewhere never puts a word between the same two words on both sides, so reordered paraphrases pass;
 * coordinations ("rent or buy" / "buy or rent") are symmetric and do not count.
 */
const PERSONS: ReadonlyArray<[subject: string, object: string]> = [['i', 'me'], ['we', 'us'], ['he', 'him'], ['she', 'her'], ['they', 'them']];

/** A person who acts in one prompt and is acted on in the other ("can I sponsor my parents" / "can my parents sponsor me"). */
function swappedPerson(a: Prompt, b: Prompt): string | undefined {
  // "tell me how to …", "give me …": the person asking, not an argument
  const count = (p: Prompt, w: string) => p.tokens.filter((t, i) => t.text === w && t.role !== 'polite' && p.tokens[i - 1]?.role !== 'framing').length;
  for (const [subject, object] of PERSONS) {
    const [sa, sb, oa, ob] = [count(a, subject), count(b, subject), count(a, object), count(b, object)];
    if ((sa > sb && ob > oa) || (sb > sa && oa > ob)) return `${subject} / ${object}`;
  }
  return undefined;
}

const SOURCE_WORDS = new Set(['from']);
const TARGET_WORDS = new Set(['to', 'into', 'onto', 'toward', 'towards']);
/** Words that end the phrase a "from" or "to" opens. */
const PHRASE_ENDS = new Set([
  'in', 'on', 'at', 'for', 'with', 'without', 'by', 'via', 'about', 'over', 'under', 'during', 'before', 'after', 'and', 'or', 'but', 'if',
  'when', 'while', 'so', 'because', 'how', 'what', 'which', 'why', 'where', 'who', 'is', 'are', 'was', 'were', 'do', 'does', 'did', 'can', 'should',
]);

/** The end of a movement each word stands at: in the phrase after "from" the source, after "to" / "into" the target. */
function movementEnds(p: Prompt): Map<number, 'source' | 'target'> {
  const out = new Map<number, 'source' | 'target'>();
  let current: 'source' | 'target' | undefined;
  for (const [i, t] of p.tokens.entries()) {
    const next = p.tokens[i + 1];
    if (t.punct) current = undefined;
    // "from barking", "to quit": an action, not a place things move between
    else if (SOURCE_WORDS.has(t.text)) current = next && /ing$/.test(next.text) ? undefined : 'source';
    else if (TARGET_WORDS.has(t.text)) current = next && !next.entity && isVerb(next.text) && !isNoun(next.text) ? undefined : 'target';
    else if (PHRASE_ENDS.has(t.text)) current = undefined;
    else if (current && t.role === 'content') out.set(t.index, current);
  }
  return out;
}

/** A word at the source of a movement in one prompt and at its target in the other ("from my laptop into the container" / "from the container to my laptop"). */
export function reversedMovement(a: Prompt, b: Prompt, pairs: Array<[Token, Token]>): string | undefined {
  const endsA = movementEnds(a);
  const endsB = movementEnds(b);
  const flipped = pairs.find(([x, y]) => endsA.has(x.index) && endsB.has(y.index) && endsA.get(x.index) !== endsB.get(y.index));
  return flipped ? `${flipped[0].text}: ${endsA.get(flipped[0].index)} / ${endsB.get(flipped[1].index)}` : undefined;
}

/** How far (in words) a function word may stand from the arguments it relates. */
const NEAR = 3;
const ARTICLES = new Set(['a', 'an', 'the']);
const DETERMINERS = new Set(['a', 'an', 'the', 'my', 'your', 'our', 'their', 'his', 'her', 'its', 'this', 'that', 'these', 'those', 'each', 'every']);
/** Prepositions that spell out a noun compound ("formula for the volume of a sphere" is "sphere volume formula"). */
const COMPOUND_LINKS = new Set(['of', 'for', 'in', 'on']);
const CONJUNCTIONS = new Set(['and', 'or', 'nor', 'vs', 'versus', '&', 'plus']);

export function swappedRoles(a: Prompt, b: Prompt, pairs: Array<[Token, Token]>): string | undefined {
  const words = (p: Prompt) => p.tokens.filter((t) => !t.punct && t.role !== 'polite');
  const wordsA = words(a);
  const wordsB = words(b);
  const count = (ws: Token[]) => {
    const c = new Map<string, number>();
    for (const t of ws) c.set(t.text, (c.get(t.text) ?? 0) + 1);
    return c;
  };
  const person = swappedPerson(a, b);
  if (person) return person;
  const countA = count(wordsA);
  const countB = count(wordsB);
  const neighbours = (ws: Token[], t: Token) => {
    const at = ws.indexOf(t);
    return [ws[at - 1]?.text ?? '', ws[at + 1]?.text ?? ''];
  };
  const coordinated = (ws: Token[], t: Token) => neighbours(ws, t).some((n) => COORDINATORS.has(n));
  const distance = (ws: Token[], from: Token, to: Token) => Math.abs(ws.indexOf(to) - ws.indexOf(from));
  // A relation word is not part of a coordination. A content word (unique on both sides) relates whatever it stands
  // between; a function word ("to", "by", "from") only its near neighbours — a distant one is another "to" ("convert
  // X to Y in JavaScript" / "in JavaScript, the way to turn X into Y").
  const unique = (x: Token, y: Token) => countA.get(x.text) === 1 && countB.get(y.text) === 1;
  const anchors = pairs.filter(([x, y]) => !COORDINATORS.has(x.text) && !coordinated(wordsA, x) && !coordinated(wordsB, y) && (unique(x, y) || (!comparable(x) && !ARTICLES.has(x.text))));
  const relates = ([ra, rb]: [Token, Token], [xa, xb]: [Token, Token], [ya, yb]: [Token, Token]) =>
    ra.index > xa.index && ra.index < ya.index && rb.index > yb.index && rb.index < xb.index &&
    (comparable(ra) || Math.max(distance(wordsA, xa, ra), distance(wordsA, ra, ya), distance(wordsB, yb, rb), distance(wordsB, rb, xb)) <= NEAR);
  // "a" and "an" are one word here: "every prime number an odd" / "every odd number a prime"
  // A name of several words is one argument ("Los Angeles"): its other words are not between it and the next.
  const sameName = (p: Prompt, t: Token, end: Token) => {
    if (!t.entity || !end.entity) return false;
    const [lo, hi] = t.index < end.index ? [t.index, end.index] : [end.index, t.index];
    return p.tokens.slice(lo, hi + 1).every((u) => u.entity);
  };
  const between = (ws: Token[], from: Token, to: Token) => {
    const p = ws === wordsA ? a : b;
    return ws.filter((t) => t.index > from.index && t.index < to.index && !sameName(p, t, from) && !sameName(p, t, to)).map((t) => (t.text === 'an' ? 'a' : t.text));
  };
  // "rent or buy" / "buy or rent", "X, Y and Z": only a coordinator (and articles) between the two
  const coordination = (middle: string[]) => middle.some((w) => COORDINATORS.has(w) && w !== ',') && middle.every((w) => COORDINATORS.has(w) || ARTICLES.has(w));
  // a framing word after a determiner names a thing and is an argument too ("convert a list to a tuple")
  const named = (t: Token) => t.role === 'framing' && DETERMINERS.has(a.tokens[t.index - 1]?.text ?? '');
  const isContent = (w: string) => !FUNCTION_WORDS.has(w) && !ARTICLES.has(w) && !COORDINATORS.has(w) && /^\p{L}+$/u.test(w);
  const compoundOf = (compound: string[], phrase: string[]) => compound.every(isContent) && phrase.some((w) => COMPOUND_LINKS.has(w));
  const args = pairs.filter(([x]) => x.role === 'content' || named(x) || x.role === 'number' || x.role === 'unit').sort((p, q) => p[0].index - q[0].index);
  const inB = new Map(pairs.map(([x, y]) => [x.index, y]));
  // The other member of a coordination ("Rust" → "Go" in "Rust vs Go"), in prompt A.
  const conjuncts = (t: Token) => {
    const at = wordsA.indexOf(t);
    const out: Token[] = [];
    for (const step of [-1, 1]) {
      let k = at + step;
      while (wordsA[k] && ARTICLES.has(wordsA[k]!.text)) k += step;
      if (!wordsA[k] || !CONJUNCTIONS.has(wordsA[k]!.text)) continue;
      k += step;
      while (wordsA[k] && ARTICLES.has(wordsA[k]!.text)) k += step;
      if (wordsA[k]) out.push(wordsA[k]!);
    }
    return out;
  };
  const inverted = (x: Token, y: Token) => {
    const [bx, by] = [inB.get(x.index), inB.get(y.index)];
    return bx !== undefined && by !== undefined && (x.index < y.index) !== (bx.index < by.index);
  };
  // a whole coordination moved past the other word ("Rust vs Go for backends: which is better?" / "Which is better for backends: Rust or Go?")
  const movedTogether = (x: Token, y: Token) => conjuncts(x).some((c) => c !== y && inverted(c, y)) || conjuncts(y).some((c) => c !== x && inverted(c, x));
  for (let i = 0; i < args.length; i++) {
    for (let j = i + 1; j < args.length; j++) {
      const [xa, xb] = args[i]!;
      const [ya, yb] = args[j]!;
      if (xb.index < yb.index) continue;
      const middleA = between(wordsA, xa, ya);
      const middleB = between(wordsB, yb, xb);
      if ((coordination(middleA) && coordination(middleB)) || movedTogether(xa, ya)) continue;
      // a noun compound read out ("sphere volume formula" / "formula for the volume of a sphere"): the head comes last
      if (compoundOf(middleA, middleB) || compoundOf(middleB, middleA)) continue;
      const relation = anchors.find((r) => relates(r, args[i]!, args[j]!));
      if (relation) return `${xa.text} ${relation[0].text} ${ya.text} / ${yb.text} ${relation[1].text} ${xb.text}`;
      // the same words between them, in the same order ("Alex is Sam's …" / "Sam is Alex's …"), or none on either
      // side with the same two words ("what do owls eat" / "what eats owls"; not an adverb moving round its verb,
      // "quickly learn", nor a verb turned noun, "rotate logs" / "log rotation")
      const sameTwo = stem(xa.text) === stem(xb.text) && stem(ya.text) === stem(yb.text) && !/ly$/.test(xa.text) && !/ly$/.test(ya.text);
      if (middleA.join(' ') === middleB.join(' ') && (middleA.length > 0 || sameTwo)) return `${xa.text} ${middleA.join(' ')} ${ya.text} / ${yb.text} ${middleB.join(' ')} ${xb.text}`;
    }
  }
  return undefined;
}
