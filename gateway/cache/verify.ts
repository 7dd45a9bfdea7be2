// Precision first: a semantic hit is served only when the cached prompt asks the same thing as the new one.
// Embedding similarity alone cannot tell "capital of Austria" from "capital of Australia", "to JSON" from "from
// JSON" or "A's aunt is B" from "B's aunt is A", so before serving we compare the details that change an answer —
// quoted text, code identifiers, quantities, formats, names, negations, the kind of answer, opposites, who does what
// to whom — and then require every content word of each prompt to be explained by the other, by spelling or by
// the embedding model's contextual reading of it (verify-align.ts). Politeness, framing and function words never
// count. Any unexplained difference means "not the same request": a false miss costs one upstream call, a false
// hit a wrong answer.
import { align, expansion, isTypo, oppositeWords, reversedMovement, sameWord, swappedRoles, type KnownWord } from './verify-align.ts';
import { outsideAsides } from './verify-asides.ts';
import { withoutBackstory } from './verify-backstory.ts';
import { analyze, type Corrections, type Prompt, type PromptInput, type Token } from './verify-features.ts';
import { frontedMovedBack } from './verify-fronting.ts';
import { cosine, splitWords } from './verify-words.ts';
import { NEGATIONS, UNITS } from './verify-lexicon.ts';
import { dataRates, namedValues } from './verify-quantities.ts';

export type Verdict = { same: true } | { same: false; reason: string };

export interface VerifyOptions {
  /** Whether a word is a real word (the embedding model's vocabulary): two real words are never typos of each other. */
  knownWord?: KnownWord | undefined;
  /** Contextual cosine at which two different words are read as the same (default SYNONYM_FLOOR). */
  synonymFloor?: number;
  /** The lower floor for prompts whose sentence vectors are at least CLOSE_PROMPTS apart (default WEAK_SYNONYM_FLOOR). */
  weakSynonymFloor?: number;
}

// Chosen on the dev pairs (bench/cache-eval.ts). Related but different words ("gold" / "silver", "dog" / "cat",
// "nineties" / "eighties") sit at 0.5–0.66 in context; synonyms mostly above 0.7. A weaker match is trusted only when the two prompts as a whole
// are very close (one word swapped for a near-synonym moves the sentence vector little, a different thing more).
export const SYNONYM_FLOOR = 0.72;
export const WEAK_SYNONYM_FLOOR = 0.66;
export const CLOSE_PROMPTS = 0.88;

const fmt = (xs: Iterable<string>) => [...xs].join(',');
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
const asInput = (p: PromptInput | string): PromptInput => (typeof p === 'string' ? { text: p } : p);

function missingDetail(a: Prompt, b: Prompt, knownWord: KnownWord | undefined): string | undefined {
  const textB = b.text.toLowerCase().replace(/\s+/g, ' ');
  const quote = a.quoted.find((q) => !textB.includes(q));
  if (quote !== undefined) return `quoted text "${quote}"`;
  const wordsB = new Set(b.tokens.map((t) => t.text));
  const joinedB = b.tokens.map((t) => t.text).join('');
  const code = [...a.code].find((c) => !b.code.has(c) && !wordsB.has(c) && !(c.length > 3 && /^[a-z0-9]+$/.test(c) && joinedB.includes(c)));
  if (code !== undefined) return `code identifier ${code}`;
  const abbreviated = (e: string) => expansion(e, b) !== undefined || b.tokens.some((t) => t.entity && expansion(t.text, a)?.some((w) => w.text === e));
  const entity = [...a.entities].find((e) => !b.tokens.some((t) => sameWord(e, t.text, knownWord)) && !abbreviated(e));
  if (entity !== undefined) return `name ${entity}`;
  return undefined;
}

/**
 * Misspelt words → the word meant, for each prompt: a word unknown to the model and a word of the other prompt within
 * typing distance are both read as the known one (or, both unknown, as the one that names a unit, else the first in
 * alphabetical order, so that the two prompts agree).
 */
function typoCorrections(a: string, b: string, knownWord: KnownWord | undefined): [Corrections, Corrections] {
  const fixA = new Map<string, string>();
  const fixB = new Map<string, string>();
  if (!knownWord) return [fixA, fixB];
  const wordsA = new Set(splitWords(a).filter((w) => !w.punct).map((w) => w.text));
  const wordsB = new Set(splitWords(b).filter((w) => !w.punct).map((w) => w.text));
  const preferred = (x: string, y: string) => (knownWord(x) !== knownWord(y) ? (knownWord(x) ? x : y) : (UNITS[x] ? x : UNITS[y] ? y : x < y ? x : y));
  for (const x of wordsA) {
    // "wont" is "won't", not a misspelt "won": negations keep their meaning
    if (wordsB.has(x) || NEGATIONS[x] !== undefined) continue;
    const y = [...wordsB].find((v) => !wordsA.has(v) && NEGATIONS[v] === undefined && (!knownWord(x) || !knownWord(v)) && isTypo(x, v, knownWord));
    if (y === undefined) continue;
    const meant = preferred(x, y);
    if (x !== meant) fixA.set(x, meant);
    if (y !== meant) fixB.set(y, meant);
  }
  return [fixA, fixB];
}

/** The swap, if any, that is left once a phrase fronted in either prompt is moved back to the end (verify-fronting.ts). */
function swappedRolesOnceMovedBack(a: Prompt, b: Prompt, pairs: Array<[Token, Token]>, swap: string): string | undefined {
  const backA = frontedMovedBack(a);
  const backB = frontedMovedBack(b);
  if (!backA && !backB) return swap;
  const at = (back: typeof backA, t: Token) => back?.moved.get(t.index) ?? t;
  return swappedRoles(backA?.prompt ?? a, backB?.prompt ?? b, pairs.map(([x, y]) => [at(backA, x), at(backB, y)]));
}

/** Same request? Symmetric in its two prompts. Without encodings (text only), different words never align. */
export function verifySameRequest(cachedPrompt: PromptInput | string, prompt: PromptInput | string, opts: VerifyOptions = {}): Verdict {
  const inputA = asInput(cachedPrompt);
  const inputB = asInput(prompt);
  const verdict = compare(inputA, inputB, opts);
  if (verdict.same) return verdict;
  // the asker's story around the question (verify-backstory.ts)
  const questionA = withoutBackstory(inputA);
  const questionB = withoutBackstory(inputB);
  // only a story against a bare question: two stories are compared as they are (each may hold what the other lacks)
  if (!questionA === !questionB) return verdict;
  return compare(questionA ?? inputA, questionB ?? inputB, opts).same ? { same: true } : verdict;
}

function compare(inputA: PromptInput, inputB: PromptInput, opts: VerifyOptions): Verdict {
  const [fixA, fixB] = typoCorrections(inputA.text, inputB.text, opts.knownWord);
  const a = analyze(inputA, fixA);
  const b = analyze(inputB, fixB);
  const close = inputA.encoded !== undefined && inputB.encoded !== undefined && cosine(inputA.encoded.vector, inputB.encoded.vector) >= CLOSE_PROMPTS;
  const detail = missingDetail(a, b, opts.knownWord) ?? missingDetail(b, a, opts.knownWord);
  if (detail) return { same: false, reason: detail };
  if (!sameList(a.quantities.values, b.quantities.values)) return { same: false, reason: `numbers ${fmt(a.quantities.values)} vs ${fmt(b.quantities.values)}` };
  // the same numbers given to other names ("R1 = 10k, R2 = 4.7k" / "R1 = 4.7k, R2 = 10k")
  const valuesB = namedValues(b.text);
  const rebound = [...namedValues(a.text)].find(([name, value]) => valuesB.has(name) && valuesB.get(name) !== value);
  if (rebound) return { same: false, reason: `numbers: ${rebound[0]} = ${rebound[1]} vs ${valuesB.get(rebound[0])}` };
  if (!sameSet(a.quantities.units, b.quantities.units)) return { same: false, reason: `units ${fmt(a.quantities.units)} vs ${fmt(b.quantities.units)}` };
  const [ratesA, ratesB] = [dataRates(a.text), dataRates(b.text)];
  if (ratesA.size > 0 && ratesB.size > 0 && !sameSet(ratesA, ratesB)) return { same: false, reason: `units ${fmt(ratesA)} vs ${fmt(ratesB)}` };
  if (!sameSet(a.formats, b.formats)) return { same: false, reason: `formats ${fmt(a.formats)} vs ${fmt(b.formats)}` };
  if (!sameList(a.negations, b.negations)) return { same: false, reason: `negation ${fmt(a.negations)} vs ${fmt(b.negations)}` };
  if (a.answerTypes.size > 0 && b.answerTypes.size > 0 && !sameSet(a.answerTypes, b.answerTypes)) {
    return { same: false, reason: `question ${fmt(a.answerTypes)} vs ${fmt(b.answerTypes)}` };
  }
  const opposites = oppositeWords(a, b);
  if (opposites) return { same: false, reason: `opposites ${opposites[0]} / ${opposites[1]}` };
  const alignment = align(a, b, { knownWord: opts.knownWord, floor: opts.synonymFloor ?? SYNONYM_FLOOR, weakFloor: opts.weakSynonymFloor ?? WEAK_SYNONYM_FLOOR, close });
  const onlyA = outsideAsides(a, inputA.encoded?.vector, alignment.onlyA, new Set(alignment.pairs.map(([x]) => x.index)));
  const onlyB = outsideAsides(b, inputB.encoded?.vector, alignment.onlyB, new Set(alignment.pairs.map(([, y]) => y.index)));
  if (onlyA.length > 0 || onlyB.length > 0) return { same: false, reason: `content ${fmt(onlyA.map((t) => t.text))} | ${fmt(onlyB.map((t) => t.text))}` };
  const reversed = reversedMovement(a, b, alignment.pairs);
  if (reversed) return { same: false, reason: `direction reversed: ${reversed}` };
  const seen = swappedRoles(a, b, alignment.pairs);
  const swap = seen && swappedRolesOnceMovedBack(a, b, alignment.pairs, seen);
  if (swap) return { same: false, reason: `roles swapped: ${swap}` };
  return { same: true };
}
