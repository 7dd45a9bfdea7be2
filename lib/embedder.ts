// Sentence embeddings (all-MiniLM-L6-v2, 384 dims, unit length) from a local model only:
// never fetches from a hub at run time. The model is put in place by stack/model.ts.
// One model pass also yields contextual word vectors (the token states before mean pooling), which the semantic
// cache's verifier aligns between two prompts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelsDir } from './paths.ts';

export const EMBEDDING_MODEL_ID = 'all-MiniLM-L6-v2';
export const EMBEDDING_DIM = 384;

export interface EmbedderOptions {
  /** Dir containing `all-MiniLM-L6-v2/`. Default: env HELIX_MODEL_DIR, else .cache/models. */
  modelDir?: string;
}

/** One text as the model read it. */
export interface EncodedText {
  /** Unit-length sentence vector (mean pooling, L2-normalized): the same as embed(). */
  vector: Float32Array;
  /** The tokenizer's words in order (lower case, accents stripped, each punctuation mark a word of its own). */
  words: string[];
  /** words.length × 384: each word's sub-word states averaged, unit length. */
  wordVectors: Float32Array;
}

export interface Embedder {
  readonly dim: typeof EMBEDDING_DIM;
  readonly modelId: string;
  /** One unit-length vector per text (mean pooling, L2-normalized). */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Sentence vectors plus contextual word vectors. */
  encode(texts: string[]): Promise<EncodedText[]>;
  /** Loads the model now instead of on the first embed() call. */
  ready(): Promise<void>;
}

interface Tensor {
  data: Float32Array | BigInt64Array;
  dims: number[];
}
interface Model {
  tokenizer: ((texts: string[], options: { padding: boolean; truncation: boolean }) => { input_ids: Tensor; attention_mask: Tensor }) & {
    model: { convert_ids_to_tokens(ids: number[]): string[] };
  };
  model: (inputs: { input_ids: Tensor; attention_mask: Tensor }) => Promise<{ last_hidden_state: Tensor }>;
}

async function loadModel(modelDir: string): Promise<Model> {
  const modelFile = join(modelDir, EMBEDDING_MODEL_ID, 'onnx', 'model_quantized.onnx');
  if (!existsSync(modelFile)) {
    throw new Error(`embedder: ${modelFile} not found — \`npm start\` or \`npm test\` downloads it (stack/model.ts)`);
  }
  // Imported lazily: loading onnxruntime costs ~0.5 s, not needed by code that never embeds.
  const { env, pipeline } = await import('@xenova/transformers');
  // env is process-global in transformers.js; all embedders in a process share one model dir.
  env.localModelPath = modelDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  return (await pipeline('feature-extraction', EMBEDDING_MODEL_ID, { quantized: true })) as unknown as Model;
}

function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (let k = 0; k < v.length; k++) norm += v[k]! * v[k]!;
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < v.length; k++) v[k]! /= norm;
  return v;
}

const SPECIAL = new Set(['[CLS]', '[SEP]', '[PAD]']);

/** Row `row` of a [batch, seq, dim] tensor: the sentence vector (mean over real tokens, as sentence-transformers pools) and the words. */
function readRow(model: Model, ids: number[], mask: number[], states: Float32Array, seq: number, row: number): EncodedText {
  const D = EMBEDDING_DIM;
  const tokens = model.tokenizer.model.convert_ids_to_tokens(ids);
  const vector = new Float32Array(D);
  let count = 0;
  const words: string[] = [];
  const sums: Float32Array[] = [];
  for (let t = 0; t < seq; t++) {
    if (!mask[t]) continue;
    const at = (row * seq + t) * D;
    for (let k = 0; k < D; k++) vector[k]! += states[at + k]!;
    count++;
    const token = tokens[t]!;
    if (SPECIAL.has(token)) continue;
    const piece = token.startsWith('##') && words.length > 0;
    if (piece) words[words.length - 1] += token.slice(2);
    else {
      words.push(token);
      sums.push(new Float32Array(D));
    }
    const sum = sums[sums.length - 1]!;
    for (let k = 0; k < D; k++) sum[k]! += states[at + k]!;
  }
  for (let k = 0; k < D; k++) vector[k]! /= Math.max(1, count);
  const wordVectors = new Float32Array(words.length * D);
  sums.forEach((s, i) => wordVectors.set(normalize(s), i * D));
  return { vector: normalize(vector), words, wordVectors };
}

export function createEmbedder(opts: EmbedderOptions = {}): Embedder {
  const modelDir = opts.modelDir ?? process.env.HELIX_MODEL_DIR ?? modelsDir;
  let loaded: Promise<Model> | undefined;
  const load = (): Promise<Model> =>
    (loaded ??= loadModel(modelDir).catch((err: unknown) => {
      loaded = undefined; // let a later call retry, e.g. once the model is downloaded
      throw err;
    }));

  async function encode(texts: string[]): Promise<EncodedText[]> {
    if (texts.length === 0) return [];
    const model = await load();
    const inputs = model.tokenizer(texts, { padding: true, truncation: true });
    const { last_hidden_state: out } = await model.model(inputs);
    const [rows, seq, cols] = out.dims;
    if (rows !== texts.length || cols !== EMBEDDING_DIM) throw new Error(`embedder: unexpected output shape [${out.dims.join(',')}]`);
    const ids = Array.from(inputs.input_ids.data, Number);
    const mask = Array.from(inputs.attention_mask.data, Number);
    return texts.map((_, i) => readRow(model, ids.slice(i * seq!, (i + 1) * seq!), mask.slice(i * seq!, (i + 1) * seq!), out.data as Float32Array, seq!, i));
  }

  return {
    dim: EMBEDDING_DIM,
    modelId: EMBEDDING_MODEL_ID,
    async ready() {
      await load();
    },
    async embed(texts) {
      return (await encode(texts)).map((e) => e.vector);
    },
    encode,
  };
}
