// The real embedding model through lib/embedder.ts (model dir from HELIX_MODEL_DIR).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEmbedder } from '../../lib/embedder.ts';

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

void test('all-MiniLM-L6-v2 gives unit-length 384-dim vectors that rank meaning', async (t) => {
  const embedder = createEmbedder();
  const loadStart = performance.now();
  await embedder.ready();
  t.diagnostic(`model loaded in ${Math.round(performance.now() - loadStart)} ms`);

  const texts = ['Translate this sentence into French.', 'Please translate this sentence to French.', 'Quarterly revenue grew by ten percent.'];
  const embedStart = performance.now();
  const [question, paraphrase, unrelated] = await embedder.embed(texts);
  t.diagnostic(`embedded ${texts.length} sentences in ${Math.round(performance.now() - embedStart)} ms`);
  assert.ok(question && paraphrase && unrelated);

  assert.equal(embedder.dim, 384);
  for (const v of [question, paraphrase, unrelated]) {
    assert.equal(v.length, 384);
    assert.ok(Math.abs(Math.sqrt(dot(v, v)) - 1) < 1e-3, 'vectors are L2-normalized');
  }
  // Vectors are unit length, so the dot product is the cosine similarity.
  const similar = dot(question, paraphrase);
  const different = dot(question, unrelated);
  t.diagnostic(`cosine paraphrase=${similar.toFixed(3)} unrelated=${different.toFixed(3)}`);
  assert.ok(similar > 0.8, `paraphrase cosine ${similar}`);
  assert.ok(different < 0.3, `unrelated cosine ${different}`);
  assert.deepEqual(await embedder.embed([]), []);
});
