// The embedding model's word list (its WordPiece vocabulary): the verifier uses it to tell a misspelling
// ("enviroment") from a different real word ("methanol" vs "ethanol" are not typos of each other).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDING_MODEL_ID } from '../../lib/embedder.ts';
import { modelsDir } from '../../lib/paths.ts';

export type KnownWord = (word: string) => boolean;

const loaded = new Map<string, KnownWord | undefined>();

/** Whole-word entries of the model's tokenizer; undefined when the model is not installed (typos are then never forgiven). */
export function modelVocabulary(modelDir: string = process.env.HELIX_MODEL_DIR ?? modelsDir): KnownWord | undefined {
  if (loaded.has(modelDir)) return loaded.get(modelDir);
  const file = join(modelDir, EMBEDDING_MODEL_ID, 'tokenizer.json');
  let known: KnownWord | undefined;
  if (existsSync(file)) {
    const vocab = (JSON.parse(readFileSync(file, 'utf8')) as { model?: { vocab?: Record<string, number> } }).model?.vocab ?? {};
    const words = new Set(Object.keys(vocab).filter((w) => /^[a-z]{2,}$/.test(w)));
    known = (word) => words.has(word.toLowerCase());
  }
  loaded.set(modelDir, known);
  return known;
}
