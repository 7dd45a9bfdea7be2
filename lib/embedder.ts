// Sentence embeddings (all-MiniLM-L6-v2, 384 dims, unit length) from a local model only:
// never fetches from a hub at run time. The model is put in place by stack/model.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelsDir } from './paths.ts';

export const EMBEDDING_MODEL_ID = 'all-MiniLM-L6-v2';
export const EMBEDDING_DIM = 384;

export interface EmbedderOptions {
  /** Dir containing `all-MiniLM-L6-v2/`. Default: env HELIX_MODEL_DIR, else .cache/models. */
  modelDir?: string;
}

export interface Embedder {
  readonly dim: typeof EMBEDDING_DIM;
  readonly modelId: string;
  /** One unit-length vector per text (mean pooling, L2-normalized). */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Loads the model now instead of on the first embed() call. */
  ready(): Promise<void>;
}

interface Tensor {
  data: Float32Array;
  dims: number[];
}
type FeatureExtractor = (texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<Tensor>;

async function loadExtractor(modelDir: string): Promise<FeatureExtractor> {
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
  return (await pipeline('feature-extraction', EMBEDDING_MODEL_ID, { quantized: true })) as unknown as FeatureExtractor;
}

export function createEmbedder(opts: EmbedderOptions = {}): Embedder {
  const modelDir = opts.modelDir ?? process.env.HELIX_MODEL_DIR ?? modelsDir;
  let extractor: Promise<FeatureExtractor> | undefined;
  const load = (): Promise<FeatureExtractor> =>
    (extractor ??= loadExtractor(modelDir).catch((err: unknown) => {
      extractor = undefined; // let a later call retry, e.g. once the model is downloaded
      throw err;
    }));

  return {
    dim: EMBEDDING_DIM,
    modelId: EMBEDDING_MODEL_ID,
    async ready() {
      await load();
    },
    async embed(texts) {
      if (texts.length === 0) return [];
      const output = await (await load())(texts, { pooling: 'mean', normalize: true });
      const [rows, cols] = output.dims;
      if (rows !== texts.length || cols !== EMBEDDING_DIM) throw new Error(`embedder: unexpected output shape [${output.dims.join(',')}]`);
      return texts.map((_, i) => output.data.slice(i * EMBEDDING_DIM, (i + 1) * EMBEDDING_DIM));
    },
  };
}
