// A phrase put in front of the question ("After grilling a steak, how long should I rest it?") says what the same
// phrase says at the end ("How long should I rest a steak after grilling it?"). Moving it back before looking for
// swapped roles keeps the move itself from reading as a swap; a real swap still shows once it is back
// ("If the tenant doesn't pay, what should the landlord do?" / "What should a tenant do if the landlord doesn't pay?").
import type { Prompt, Token } from './verify-features.ts';

/** Words that open a fronted adverbial phrase or clause. */
const OPENERS = new Set(
  'after before if when whenever while once since because although though unless until as to for with without in on at during by from given'.split(' '),
);

/** The prompt with its fronted phrase moved to the end of its sentence, or undefined when nothing is fronted. */
export function frontedMovedBack(p: Prompt): { prompt: Prompt; moved: Map<number, Token> } | undefined {
  const words = p.tokens.filter((t) => t.role !== 'polite');
  const first = words.find((t) => !t.punct);
  if (!first || !OPENERS.has(first.text)) return undefined;
  const comma = p.tokens.find((t) => t.index > first.index && t.punct && t.sentence === first.sentence && /^[,—–-]$/.test(t.raw));
  if (!comma) return undefined;
  const sentenceEnd = p.tokens.filter((t) => t.sentence === first.sentence).at(-1)!;
  const front = p.tokens.filter((t) => t.index >= first.index && t.index < comma.index);
  const rest = p.tokens.filter((t) => t.index > comma.index && t.index <= sentenceEnd.index);
  if (rest.filter((t) => !t.punct).length < 2) return undefined;
  const closing = rest.at(-1)!.punct ? [rest.at(-1)!] : [];
  const order = [
    ...p.tokens.filter((t) => t.index < first.index),
    ...rest.filter((t) => !closing.includes(t)),
    ...front,
    ...closing,
    ...p.tokens.filter((t) => t.index > sentenceEnd.index),
  ];
  const moved = new Map<number, Token>();
  const tokens = order.map((t, index) => {
    const copy = { ...t, index };
    moved.set(t.index, copy);
    return copy;
  });
  return { prompt: { ...p, tokens }, moved };
}
