// Quality gate on the labelled corpus (test/fixtures/pii/corpus.jsonl): overall recall ≥ 0.99, precision ≥ 0.97,
// and recall ≥ 0.95 for every entity. `npx tsx bench/pii-eval.ts --misses` lists what went wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PII_ENTITIES } from '../../schemas/config/pii.ts';
import { evaluateCorpus, loadCorpus } from '../fixtures/pii/evaluate.ts';

describe('PII corpus', () => {
  const lines = loadCorpus();
  const result = evaluateCorpus(lines);

  it('is large and covers every entity with positives, plus negatives', () => {
    assert.ok(lines.length >= 300, `${lines.length} lines`);
    assert.ok(result.negatives >= 100, `${result.negatives} negatives`);
    for (const entity of PII_ENTITIES) {
      const positives = lines.filter((l) => l.entities.some((e) => e.entity === entity)).length;
      assert.ok(positives >= 20, `${entity}: ${positives} positive lines`);
    }
    for (const l of lines) for (const e of l.entities) assert.ok(l.text.includes(e.value), `label value not in text: ${e.value}`);
  });
  it('meets overall recall ≥ 0.99 and precision ≥ 0.97', () => {
    const misses = result.misses.map((m) => `${m.kind} ${m.entity} ${JSON.stringify(m.value)}`).join('\n');
    assert.ok(result.overall.recall >= 0.99, `recall ${result.overall.recall}\n${misses}`);
    assert.ok(result.overall.precision >= 0.97, `precision ${result.overall.precision}\n${misses}`);
  });
  it('meets recall ≥ 0.95 for every entity', () => {
    for (const entity of PII_ENTITIES) {
      const s = result.perEntity[entity];
      assert.ok(s, `${entity} scored`);
      assert.ok(s.recall >= 0.95, `${entity} recall ${s.recall}`);
    }
  });
});
