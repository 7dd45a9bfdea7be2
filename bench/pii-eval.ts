// Precision / recall / F1 of the PII scanner per entity on the labelled corpus (test/fixtures/pii/corpus.jsonl).
//   npx tsx bench/pii-eval.ts [--misses]
import { evaluateCorpus, type Score } from '../test/fixtures/pii/evaluate.ts';

const result = evaluateCorpus();
const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
const row = (name: string, s: Score) =>
  `${name.padEnd(14)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(5)} ${String(s.fn).padStart(5)} ${pct(s.precision)} ${pct(s.recall)} ${pct(s.f1)}`;

console.log(`corpus: ${result.lines} prompts (${result.negatives} without PII)\n`);
console.log(`${'entity'.padEnd(14)} ${'tp'.padStart(5)} ${'fp'.padStart(5)} ${'fn'.padStart(5)} ${'prec'.padStart(7)} ${'recall'.padStart(7)} ${'f1'.padStart(7)}`);
for (const [entity, s] of Object.entries(result.perEntity)) console.log(row(entity, s));
console.log(row('OVERALL', result.overall));
if (process.argv.includes('--misses')) {
  for (const m of result.misses) console.log(`\n${m.kind.toUpperCase()} ${m.entity} ${JSON.stringify(m.value)}\n  in: ${JSON.stringify(m.text.slice(0, 200))}`);
} else if (result.misses.length > 0) console.log(`\n${result.misses.length} misses (run with --misses to list them)`);
