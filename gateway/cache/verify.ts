// Precision first: a semantic hit is served only when the cached prompt asks the same thing as the new one.
// Embedding similarity alone cannot tell "capital of Austria" from "capital of Australia" or "to JSON" from
// "from JSON", so before serving we compare the discrete details that change an answer: quoted text, code
// identifiers, numbers, units, formats, named entities, negations, the kind of answer (who/when/where), the
// direction of "A to B", and finally every content word (modulo politeness, framing, synonyms and typos).
// Any unexplained difference means "not the same request": the cost of a false miss is one upstream call,
// the cost of a false hit is a wrong answer.
import { analyze, IGNORED_WORDS, normalizeText, stem, type Features } from './verify-features.ts';
import { OPPOSITES } from './verify-lexicon.ts';

export type Verdict = { same: true } | { same: false; reason: string };

export interface VerifyOptions {
  /** Whether a word is a real word (e.g. in the embedding model's vocabulary): two real words are never typos of each other. */
  knownWord?: (word: string) => boolean;
}

const OPPOSITE_STEMS = new Set(OPPOSITES.flatMap(([a, b]) => [`${stem(a)}|${stem(b)}`, `${stem(b)}|${stem(a)}`]));

const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const fmt = (xs: Iterable<string>) => [...xs].join(',');

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

/** A misspelling of the other word: same first letter, small edit distance, not two real words, not opposites. */
function isTypo(a: string, b: string, knownWord: ((w: string) => boolean) | undefined): boolean {
  if (!knownWord || a.length < 4 || b.length < 4 || a[0] !== b[0]) return false;
  if (knownWord(a) && knownWord(b)) return false;
  if (OPPOSITE_STEMS.has(`${stem(a)}|${stem(b)}`)) return false;
  const longest = Math.max(a.length, b.length);
  return editDistance(a, b) <= (longest >= 7 ? 2 : 1);
}

/** Content words of one side that the other side does not explain. */
function unexplained(a: Features, b: Features, knownWord: VerifyOptions['knownWord']): { onlyA: string[]; onlyB: string[] } {
  let onlyA = [...a.content].filter(([k]) => !b.content.has(k)).map(([, w]) => w);
  let onlyB = [...b.content].filter(([k]) => !a.content.has(k)).map(([, w]) => w);
  // Misspelled content words pair up; a misspelled function word ("wiht") is as ignorable as the word itself.
  for (const wa of [...onlyA]) {
    const wb = onlyB.find((w) => isTypo(wa, w, knownWord));
    if (wb !== undefined) {
      onlyA = onlyA.filter((w) => w !== wa);
      onlyB = onlyB.filter((w) => w !== wb);
    }
  }
  const typoOfIgnored = (w: string) => knownWord !== undefined && !knownWord(w) && [...IGNORED_WORDS].some((s) => isTypo(w, s, knownWord));
  return { onlyA: onlyA.filter((w) => !typoOfIgnored(w)), onlyB: onlyB.filter((w) => !typoOfIgnored(w)) };
}

function directionFlip(a: Features, b: Features): string | undefined {
  const keysA = new Set([...a.content.keys(), ...a.units, ...a.formats, ...a.numbers, ...a.entities]);
  const keysB = new Set([...b.content.keys(), ...b.units, ...b.formats, ...b.numbers, ...b.entities]);
  for (const [connector, ra] of a.roles) {
    const rb = b.roles.get(connector);
    if (!rb) continue;
    for (const side of ['left', 'right'] as const) {
      const x = ra[side];
      const y = rb[side];
      if (x.size === 0 || y.size === 0 || [...x].some((k) => y.has(k))) continue;
      if ([...x].every((k) => keysB.has(k)) && [...y].every((k) => keysA.has(k))) return `"${connector}" ${side} side: ${fmt(x)} vs ${fmt(y)}`;
    }
  }
  return undefined;
}

/** Same request? Symmetric in its two prompts. */
export function verifySameRequest(cachedPrompt: string, prompt: string, opts: VerifyOptions = {}): Verdict {
  const a = analyze(cachedPrompt);
  const b = analyze(prompt);
  const joinedA = a.words;
  const joinedB = b.words;
  const textA = normalizeText(cachedPrompt).toLowerCase();
  const textB = normalizeText(prompt).toLowerCase();
  const missingQuote = a.quoted.find((q) => !textB.includes(q)) ?? b.quoted.find((q) => !textA.includes(q));
  if (missingQuote !== undefined) return { same: false, reason: `quoted text "${missingQuote}"` };
  const idsB = new Set([...b.code, ...joinedB]);
  const idsA = new Set([...a.code, ...joinedA]);
  const missingCode = [...a.code].find((c) => !idsB.has(c)) ?? [...b.code].find((c) => !idsA.has(c));
  if (missingCode !== undefined) return { same: false, reason: `code identifier ${missingCode}` };
  if (!sameList(a.numbers, b.numbers)) return { same: false, reason: `numbers ${fmt(a.numbers)} vs ${fmt(b.numbers)}` };
  if (!sameSet(a.units, b.units)) return { same: false, reason: `units ${fmt(a.units)} vs ${fmt(b.units)}` };
  if (!sameSet(a.formats, b.formats)) return { same: false, reason: `formats ${fmt(a.formats)} vs ${fmt(b.formats)}` };
  const missingEntity = [...a.entities].find((e) => !joinedB.has(e)) ?? [...b.entities].find((e) => !joinedA.has(e));
  if (missingEntity !== undefined) return { same: false, reason: `named entity ${missingEntity}` };
  if (!sameList(a.negations, b.negations)) return { same: false, reason: `negation ${fmt(a.negations)} vs ${fmt(b.negations)}` };
  if (a.answerTypes.size > 0 && b.answerTypes.size > 0 && !sameSet(a.answerTypes, b.answerTypes)) {
    return { same: false, reason: `question ${fmt(a.answerTypes)} vs ${fmt(b.answerTypes)}` };
  }
  const flip = directionFlip(a, b);
  if (flip) return { same: false, reason: `direction ${flip}` };
  const { onlyA, onlyB } = unexplained(a, b, opts.knownWord);
  if (onlyA.length > 0 || onlyB.length > 0) return { same: false, reason: `content ${fmt(onlyA)} | ${fmt(onlyB)}` };
  return { same: true };
}
