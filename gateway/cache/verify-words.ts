// The verifier's words: the prompt cut the way the embedding model's tokenizer cuts it (whitespace, then every
// punctuation mark on its own, lower case, accents stripped), with each word's place in the original text — so that
// the model's contextual vector for a word (EncodedText.wordVectors) and the word's capitals, quotes and code spans
// describe the same word.
import { EMBEDDING_DIM, type EncodedText } from '../../lib/embedder.ts';

export interface Word {
  /** Lower case, accents stripped: as the model saw it. */
  text: string;
  /** As written. */
  raw: string;
  start: number;
  end: number;
  punct: boolean;
  /** First word of a sentence (after . ! ? : ; or a line break, or the prompt's start). */
  sentenceStart: boolean;
  /** Inside `backticks` or "quotes". */
  quoted: boolean;
  code: boolean;
  /** Index of the sentence (clause ended by . ! ? ; or a line break) the word is in. */
  sentence: number;
}

// Same classes as the model's pre-tokenizer (transformers.js BertPreTokenizer).
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const WORD_RE = new RegExp(`[^\\s${PUNCTUATION}\\p{Script=Han}]+|[${PUNCTUATION}\\p{Script=Han}]`, 'gu');
const PUNCT_RE = new RegExp(`^[${PUNCTUATION}]$`, 'u');

const fold = (s: string) => s.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();

/** Spans of `code` and "quoted text" (straight or curly quotes; apostrophes inside words are not quotes). */
function spans(text: string): { code: Array<[number, number]>; quoted: Array<[number, number]> } {
  const code: Array<[number, number]> = [];
  const quoted: Array<[number, number]> = [];
  for (const m of text.matchAll(/\x60([^\x60]+)\x60/g)) code.push([m.index, m.index + m[0].length]);
  for (const m of text.matchAll(/["\u201c]([^"\u201c\u201d]+)["\u201d]|(?<![\p{L}\p{N}])['\u2018]([^'\u2018\u2019]+)['\u2019](?![\p{L}\p{N}])/gu)) {
    quoted.push([m.index, m.index + m[0].length]);
  }
  return { code, quoted };
}

const within = (at: number, ranges: Array<[number, number]>) => ranges.some(([s, e]) => at >= s && at < e);

export function splitWords(text: string): Word[] {
  const { code, quoted } = spans(text);
  const words: Word[] = [];
  let sentence = 0;
  let boundary = true;
  for (const m of text.matchAll(WORD_RE)) {
    const raw = m[0];
    // emoji and other symbols say nothing a question asks: read like punctuation
    const punct = PUNCT_RE.test(raw) || !/[\p{L}\p{N}]/u.test(raw);
    const between = text.slice(words.at(-1)?.end ?? 0, m.index);
    if (/\n/.test(between)) {
      if (!boundary) sentence++;
      boundary = true;
    }
    const inCode = within(m.index, code);
    words.push({ text: fold(raw), raw, start: m.index, end: m.index + raw.length, punct, sentenceStart: boundary && !punct, quoted: inCode || within(m.index, quoted), code: inCode, sentence });
    if (punct && /[.!?;:]/.test(raw) && !inCode && /^(?:[\s"')\]\u201d]|$)/.test(text.slice(m.index + 1))) {
      if (!boundary) sentence++;
      boundary = true;
    } else if (!punct) boundary = false;
  }
  return words;
}

/**
 * Each word's contextual vector (unit length), or undefined where the model's words and ours part ways (text past the
 * model's input limit, characters the tokenizer treats differently): those words are compared by spelling only.
 */
export function wordVectors(words: Word[], encoded: EncodedText | undefined): Array<Float32Array | undefined> {
  const out: Array<Float32Array | undefined> = [];
  let j = 0;
  for (const w of words) {
    const model = encoded?.words[j];
    if (model !== undefined && (model === w.text || model === '[UNK]')) {
      out.push(encoded!.wordVectors.subarray(j * EMBEDDING_DIM, (j + 1) * EMBEDDING_DIM));
      j++;
    } else {
      out.push(undefined);
      j = Infinity; // out of step: no vectors from here on
    }
  }
  return out;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
  return dot;
}
