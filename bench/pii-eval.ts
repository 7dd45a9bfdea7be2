// Quality of the PII scanner on the labelled splits (test/fixtures/pii/): per entity tp / fp / fn, precision and
// recall, then collateral (other words altered) and negatives altered, against the targets.
//   npx tsx bench/pii-eval.ts [--split dev|holdout|holdout2|…|holdout20|secrets|corpus] [--misses]
// Without --split: every split present. Tune on dev; a new holdout is scored untouched once, then joins the tuned sets.
import { evaluateCorpus, hasSplit, loadSplit, PII_TARGETS, SPLITS, type Evaluation, type Score, type SplitName } from '../test/fixtures/pii/evaluate.ts';

const args = process.argv.slice(2);
const splitArg = args.includes('--split') ? args[args.indexOf('--split') + 1] : undefined;
if (splitArg !== undefined && !(splitArg in SPLITS)) {
  console.error(`--split must be one of ${Object.keys(SPLITS).join(', ')}`);
  process.exit(2);
}
const splits = splitArg ? [splitArg as SplitName] : (Object.keys(SPLITS) as SplitName[]).filter(hasSplit);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
const row = (name: string, s: Score) =>
  `${name.padEnd(14)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(5)} ${String(s.fn).padStart(5)} ${pct(s.precision)} ${pct(s.recall)}`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

function report(split: SplitName, r: Evaluation): void {
  console.log(`\n== ${split}: ${r.lines} prompts, ${r.negatives} without PII\n`);
  console.log(`${'entity'.padEnd(14)} ${'tp'.padStart(5)} ${'fp'.padStart(5)} ${'fn'.padStart(5)} ${'prec'.padStart(7)} ${'recall'.padStart(7)}`);
  for (const [entity, s] of Object.entries(r.perEntity)) console.log(row(entity, s));
  console.log(row('OVERALL', r.overall));
  const { collateral: c, negativesAltered: n } = r;
  console.log(`\nrecall              ${pct(r.overall.recall)}  target ≥ ${PII_TARGETS.recall * 100}%: ${verdict(r.overall.recall >= PII_TARGETS.recall)}`);
  console.log(`collateral          ${pct(c.share)}  (${c.count} of ${c.of} other words altered)  target ≤ ${PII_TARGETS.collateral * 100}%: ${verdict(c.share <= PII_TARGETS.collateral)}`);
  console.log(`negatives altered   ${pct(n.share)}  (${n.count} of ${n.of})  target ≤ ${PII_TARGETS.negativesAltered * 100}%: ${verdict(n.share <= PII_TARGETS.negativesAltered)}`);
  if (args.includes('--misses')) {
    for (const m of r.misses) console.log(`\n${m.kind.toUpperCase()} ${m.entity} ${JSON.stringify(m.value)}\n  in: ${JSON.stringify(m.text.slice(0, 240))}`);
  } else if (r.misses.length > 0) console.log(`${r.misses.length} misses (--misses lists them)`);
}

if (splits.length === 0) console.log('no labelled split found in test/fixtures/pii/');
for (const split of splits) report(split, evaluateCorpus(loadSplit(split)));
