// Quality gates on the labelled PII splits (test/fixtures/pii/): the dev split tuned on, twenty holdouts (each
// scored untouched once, then tuned on), a secrets-only split, and the older corpus kept as a regression set.
// `npx tsx bench/pii-eval.ts --split dev --misses` lists what went wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PII_ENTITIES } from '../../schemas/config/pii.ts';
import { evaluateCorpus, hasSplit, loadSplit, PII_TARGETS, type CorpusLine, type Evaluation, type SplitName } from '../fixtures/pii/evaluate.ts';

const listMisses = (r: Evaluation) => r.misses.map((m) => `${m.kind} ${m.entity} ${JSON.stringify(m.value)}`).join('\n');

function assertShape(lines: CorpusLine[], r: Evaluation, min: { lines: number; negatives: number; perEntity: number }): void {
  assert.ok(lines.length >= min.lines, `${lines.length} lines`);
  assert.ok(r.negatives >= min.negatives, `${r.negatives} negatives`);
  for (const entity of PII_ENTITIES) {
    const values = lines.reduce((n, l) => n + l.entities.filter((e) => e.entity === entity).length, 0);
    assert.ok(values >= min.perEntity, `${entity}: ${values} labelled values`);
  }
  for (const l of lines) for (const e of l.entities) assert.ok(l.text.includes(e.value), `label value not in text: ${e.value}`);
}

function assertTargets(r: Evaluation): void {
  assert.ok(r.overall.recall >= PII_TARGETS.recall, `recall ${r.overall.recall}\n${listMisses(r)}`);
  assert.ok(r.collateral.share <= PII_TARGETS.collateral, `collateral ${r.collateral.count}/${r.collateral.of}\n${listMisses(r)}`);
  assert.ok(r.negativesAltered.share <= PII_TARGETS.negativesAltered, `negatives altered ${r.negativesAltered.count}/${r.negativesAltered.of}\n${listMisses(r)}`);
}

function split(name: SplitName): { lines: CorpusLine[]; result: Evaluation } {
  const lines = loadSplit(name);
  return { lines, result: evaluateCorpus(lines) };
}

describe('PII dev split', () => {
  const { lines, result } = split('dev');
  it('has ≥ 600 prompts, ≥ 120 negatives and ≥ 60 values of every entity', () => {
    assertShape(lines, result, { lines: 600, negatives: 120, perEntity: 60 });
  });
  it('meets the targets: recall ≥ 99 %, ≤ 1 % of other words and ≤ 3 % of negatives altered', () => {
    assertTargets(result);
  });
  it('finds ≥ 97 % of the values of every entity', () => {
    for (const entity of PII_ENTITIES) assert.ok((result.perEntity[entity]?.recall ?? 0) >= 0.97, `${entity} recall ${result.perEntity[entity]?.recall}`);
  });
});

// The holdouts were written by other authors and scored untouched first (recall 96.3 %, 96.7 %, 93.8 %, 98.1 %,
// 97.0 %, 97.0 %, 97.6 %, 98.7 %, 98.3 %, 99.7 %, 99.7 %, 99.1 %, 99.5 %, 99.4 %, 99.2 %, 99.6 %, 99.6 %, 99.9 %,
// 99.3 % and 99.9 %; docs/pii.md); the classes they exposed were then fixed in general form, so they now guard
// against regressions.
const HOLDOUTS = [
  'holdout', 'holdout2', 'holdout3', 'holdout4', 'holdout5', 'holdout6', 'holdout7', 'holdout8', 'holdout9', 'holdout10',
  'holdout11', 'holdout12', 'holdout13', 'holdout14', 'holdout15', 'holdout16', 'holdout17', 'holdout18', 'holdout19', 'holdout20',
] as const;
for (const name of HOLDOUTS) {
  describe(`PII ${name} split`, () => {
    it('meets the targets: recall ≥ 99 %, ≤ 1 % of other words and ≤ 3 % of negatives altered', () => {
      assert.ok(hasSplit(name), `test/fixtures/pii/${name}.jsonl`);
      assertTargets(split(name).result);
    });
  });
}

// Passwords and API keys only, in contexts chosen to be hard (first score 88.2 %): a floor against regressions, below
// the targets the mixed holdouts meet.
describe('PII secrets split', () => {
  it('keeps recall ≥ 92 % with ≤ 1 % of other words and ≤ 3 % of negatives altered', () => {
    const { result } = split('secrets');
    assert.ok(result.overall.recall >= 0.92, `recall ${result.overall.recall}\n${listMisses(result)}`);
    assert.ok(result.collateral.share <= PII_TARGETS.collateral, `collateral ${result.collateral.count}/${result.collateral.of}`);
    assert.ok(result.negativesAltered.share <= PII_TARGETS.negativesAltered, `negatives altered ${result.negativesAltered.count}/${result.negativesAltered.of}`);
  });
});

describe('PII regression corpus', () => {
  const { lines, result } = split('corpus');
  it('is large and covers every entity with positives, plus negatives', () => {
    assertShape(lines, result, { lines: 300, negatives: 100, perEntity: 20 });
  });
  it('keeps recall ≥ 99 %, precision ≥ 97 % and ≥ 95 % of every entity', () => {
    assert.ok(result.overall.recall >= 0.99, `recall ${result.overall.recall}\n${listMisses(result)}`);
    assert.ok(result.overall.precision >= 0.97, `precision ${result.overall.precision}\n${listMisses(result)}`);
    for (const entity of PII_ENTITIES) assert.ok((result.perEntity[entity]?.recall ?? 0) >= 0.95, `${entity} recall ${result.perEntity[entity]?.recall}`);
  });
});
