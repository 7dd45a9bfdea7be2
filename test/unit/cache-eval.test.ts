// Precision first, with the real all-MiniLM-L6-v2 on the labelled pairs (test/fixtures/cache/pairs.jsonl):
// at the default threshold, at most 1 % of semantic hits are wrong and at least 60 % of true paraphrases hit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cacheSettings } from '../../schemas/config/cache.ts';
import { evaluate, loadPairs, scorePairs } from '../fixtures/cache/evaluate.ts';

void describe('semantic cache evaluation (real model)', () => {
  void it('meets the precision and recall goals at the default settings', async () => {
    const pairs = loadPairs();
    assert.ok(pairs.length >= 200, `${pairs.length} pairs`);
    for (const kind of ['paraphrase', 'reorder', 'typo', 'politeness', 'entity', 'number', 'negation', 'constraint', 'unit', 'format', 'direction', 'topic', 'code']) {
      assert.ok(pairs.some((p) => p.kind === kind), `pairs of kind ${kind}`);
    }
    const row = evaluate(await scorePairs(pairs), cacheSettings().similarity_threshold);
    assert.ok(row.wrongHitRateVerified <= 0.01, `wrong hits ${(row.wrongHitRateVerified * 100).toFixed(1)} %`);
    assert.ok(row.hitRateVerified >= 0.6, `true-pair hit rate ${(row.hitRateVerified * 100).toFixed(1)} %`);
    assert.ok(row.wrongHitRate > row.wrongHitRateVerified, 'the verifier is what keeps wrong hits out');
  });
});
