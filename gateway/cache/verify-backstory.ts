// Backstory: sentences around the question that tell the asker's situation ("I'm studying for my exam tomorrow and
// this part confuses me. What is the difference between mitosis and meiosis?"). When the question on its own asks what
// the other prompt asks, the story is read as the reason for asking, not part of what is asked — but only a story:
// statements about the asker, told in several words. A short first-person line is a constraint ("I'm vegan.", "I live
// in Texas."), an instruction or a "should"/"only"/"without" is a requirement, and both keep the prompts apart.
import { EMBEDDING_DIM, type EncodedText } from '../../lib/embedder.ts';
import type { PromptInput } from './verify-features.ts';
import { FRAMING_WORDS, FUNCTION_WORDS } from './verify-lexicon.ts';
import { splitWords, type Word } from './verify-words.ts';

/** Words a story needs at least (other than function words): fewer is a constraint told in the first person. */
export const MIN_STORY_WORDS = 5;

const PERSONAL = new Set(['i', 'me', 'my', 'mine', 'myself', 'we', 'us', 'our', 'ours']);
/** A sentence opening with one of these tells the model what to do: an instruction, not a story. */
const INSTRUCTIONS = new Set(
  ('give write list make tell explain show create generate suggest recommend translate summarize summarise keep use answer include ' +
    'avoid respond reply format add remove assume pretend act imagine consider focus limit describe compare rewrite provide return ' +
    'note remember be do dont don').split(' '),
);
/** A sentence opening with one of these asks something itself. */
const ASKING = new Set('what why how when where who whom whose which is are was were can could would should do does did will shall may might'.split(' '));
/** Words of the question that stand for something named elsewhere (in the story). */
const POINTERS = new Set('it its this that these those there here them they their he she him her his one such us'.split(' '));
/** Words that state a requirement on the answer wherever they stand. */
const REQUIREMENTS = new Set(
  ('should must only without avoid except exactly limit limited max maximum minimum least most under within budget allergic ' +
    'intolerant vegan vegetarian gluten halal kosher beginner beginners advanced expert prefer preferably required requirement ' +
    'need needs needed want wants').split(' '),
);

/** The prompt without its backstory, or undefined when it has none (or only what reads as a constraint). */
export function withoutBackstory(input: PromptInput): PromptInput | undefined {
  const words = splitWords(input.text);
  // sentences end at . ! ? : and line breaks (a ";" joins parts of one request)
  const sentences = new Map<number, Word[]>();
  let id = 0;
  for (const [i, w] of words.entries()) {
    const sentence = sentences.get(id);
    if (sentence) sentence.push(w);
    else sentences.set(id, [w]);
    const next = words[i + 1];
    if (next && next.sentence !== w.sentence && !(w.punct && w.raw === ';')) id++;
  }
  if (sentences.size < 2) return undefined;
  const asks = (s: Word[]) => s.some((w) => w.punct && w.raw === '?');
  const ids = [...sentences.keys()];
  const question = [...ids].reverse().find((id) => asks(sentences.get(id)!)) ?? ids.at(-1)!;
  const story = ids.filter((id) => id !== question).map((id) => sentences.get(id)!);
  const storyWords = story.flat().filter((w) => !w.punct);
  const opens = (s: Word[]) => s.find((w) => !w.punct)?.text ?? '';
  if (story.some(asks) || story.some((s) => INSTRUCTIONS.has(opens(s)) || ASKING.has(opens(s)))) return undefined;
  if (storyWords.some((w) => REQUIREMENTS.has(w.text)) || !storyWords.some((w) => PERSONAL.has(w.text))) return undefined;
  if (storyWords.filter((w) => !FUNCTION_WORDS.has(w.text) && !FRAMING_WORDS.has(w.text)).length < MIN_STORY_WORDS) return undefined;
  const asked = sentences.get(question)!;
  // a question that points back into the story ("how does the visa work there?") is not asked on its own
  if (asked.some((w) => POINTERS.has(w.text))) return undefined;
  const from = words.indexOf(asked[0]!);
  return { text: input.text.slice(asked[0]!.start, asked.at(-1)!.end), encoded: input.encoded && slice(input.encoded, words, from, asked.length) };
}

/** The model's reading of words [from, from + count) of the prompt: the same contextual vectors, cut out. */
function slice(encoded: EncodedText, words: Word[], from: number, count: number): EncodedText | undefined {
  // the model's words and ours must agree up to the cut (wordVectors in verify-words.ts reads them the same way)
  for (let j = 0; j < from + count; j++) {
    const model = encoded.words[j];
    if (model === undefined || (model !== words[j]!.text && model !== '[UNK]')) return undefined;
  }
  return {
    vector: encoded.vector,
    words: encoded.words.slice(from, from + count),
    wordVectors: encoded.wordVectors.subarray(from * EMBEDDING_DIM, (from + count) * EMBEDDING_DIM),
  };
}
