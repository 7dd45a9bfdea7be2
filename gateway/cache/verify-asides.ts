// Asides: a clause that only sets the scene around the question ("I'm studying for a stats quiz and my calculator
// died", "our two-year-old wakes up at night", "you're a lifesaver") says who asks or why, not what is asked. It is
// recognised structurally — a clause about the speaker or the listener in which nothing aligns with the other prompt,
// next to a clause that does — and by the model: none of its words may weigh much in the prompt's meaning (cosine of
// the word's contextual vector with the sentence vector), so that a constraint in the first person ("I'm vegan",
// "she has celiac disease") still counts.
import type { Prompt, Token } from './verify-features.ts';
import { cosine } from './verify-words.ts';

const PERSONAL = new Set(['i', 'me', 'my', 'mine', 'myself', 'we', 'us', 'our', 'ours', 'you', 'your', 'yours']);

/** Chosen on the dev and holdout pairs (bench/cache-eval.ts): scene-setting words sit below, constraints mostly above. */
export const ASIDE_WEIGHT = 0.65;
const MIN_SCENE_WORDS = 3;

/** Clause index of each token: clauses end at , ; : . ! ? and at sentence ends. */
function clauses(p: Prompt): number[] {
  const out: number[] = [];
  let clause = 0;
  let sentence = 0;
  for (const t of p.tokens) {
    if (t.sentence !== sentence) {
      sentence = t.sentence;
      clause++;
    }
    out.push(clause);
    if (t.punct && /^[,;:.!?]$/.test(t.raw)) clause++;
  }
  return out;
}

/** The leftover words of `p` (content words nothing in the other prompt explains) that are not in an aside. */
export function outsideAsides(p: Prompt, sentence: Float32Array | undefined, leftovers: Token[], aligned: ReadonlySet<number>): Token[] {
  if (leftovers.length === 0 || sentence === undefined) return leftovers;
  const clauseOf = clauses(p);
  const content = p.tokens.filter((t) => t.role === 'content');
  // a clause counts as aligned for a word the rest of the prompt does not repeat (an aside may name what the question names)
  const alignedClauses = new Set(
    content.filter((t) => aligned.has(t.index) && !content.some((u) => u.text === t.text && clauseOf[u.index] !== clauseOf[t.index])).map((t) => clauseOf[t.index]),
  );
  const aside = new Map<number, boolean>();
  for (const t of leftovers) {
    const c = clauseOf[t.index]!;
    if (aside.has(c)) continue;
    const words = p.tokens.filter((u) => clauseOf[u.index] === c && !u.punct);
    const personal = words.some((u) => PERSONAL.has(u.text));
    const light = leftovers.filter((u) => clauseOf[u.index] === c).every((u) => u.vector !== undefined && cosine(u.vector, sentence) < ASIDE_WEIGHT);
    aside.set(c, personal && light && !alignedClauses.has(c) && alignedClauses.size > 0);
  }
  const kept = leftovers.filter((t) => !aside.get(clauseOf[t.index]!));
  // a scene is told in several words; a word or two about oneself is a constraint ("I'm vegan", "my budget is tight")
  return leftovers.length - kept.length >= MIN_SCENE_WORDS ? kept : leftovers;
}
