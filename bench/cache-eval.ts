// Semantic-cache precision and recall on the labelled pairs (test/fixtures/cache/: dev.jsonl to tune on,
// holdout.jsonl … holdout10.jsonl each scored untouched once, pairs.jsonl an older regression set) with the real MiniLM
// and the shipped verifier:
// per kind of pair, how many same-meaning queries are served and how many near misses are served (wrong hits), at the
// shipped threshold with the verifier and, on the same pairs, for a plain similarity cut-off (what LiteLLM's
// redis-semantic cache does); then both over a range of thresholds. Needs the local model (`npm start` / `npm test`
// download it once).
//   npx tsx bench/cache-eval.ts [--split dev|holdout|holdout2|…|holdout10|regression|all] [--threshold 0.7] [--misses]
import { parseArgs } from 'node:util';
import { cacheSettings } from '../schemas/config/cache.ts';
import { BASELINE_THRESHOLD, byKind, evaluate, loadPairs, scorePairs, SETS, THRESHOLDS, type Outcome, type ScoredPair, type SetName } from '../test/fixtures/cache/evaluate.ts';
import { table } from './lib.ts';

const { values } = parseArgs({
  options: { split: { type: 'string', default: 'all' }, threshold: { type: 'string' }, misses: { type: 'boolean', default: false } },
});
const sets = (values.split === 'all' ? Object.keys(SETS) : [values.split]) as SetName[];
for (const set of sets) if (!(set in SETS)) throw new Error(`--split: one of ${Object.keys(SETS).join(', ')}, all`);
const threshold = values.threshold !== undefined ? Number(values.threshold) : cacheSettings().similarity_threshold;

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const served = (o: Outcome) => (o.same ? `${o.served}/${o.same}` : '');
const wrong = (o: Outcome) => (o.different ? `${o.wrong}/${o.different}` : '');

function report(set: SetName, scored: ScoredPair[]): void {
  const same = scored.filter((p) => p.label === 'same').length;
  console.log(`\n## ${set} (${SETS[set]}): ${scored.length} pairs, ${same} same, ${scored.length - same} different; model all-MiniLM-L6-v2\n`);
  console.log(`Per kind — verifier at threshold ${threshold}; plain cut-off at ${BASELINE_THRESHOLD} (no verifier):\n`);
  const rows = byKind(scored, threshold).map((r) => {
    const plain = evaluate(scored.filter((p) => p.kind === r.kind && p.label === r.label), BASELINE_THRESHOLD).plain;
    return { kind: r.kind, label: r.label, served: served(r.verified), 'wrong hits': wrong(r.verified), 'plain served': served(plain), 'plain wrong': wrong(plain) };
  });
  const total = evaluate(scored, threshold).verified;
  const plain = evaluate(scored, BASELINE_THRESHOLD).plain;
  rows.push({ kind: 'all', label: '', served: served(total), 'wrong hits': wrong(total), 'plain served': served(plain), 'plain wrong': wrong(plain) });
  console.log(table(rows));
  console.log(`\nverifier at ${threshold}: ${pct(total.servedRate)} of same-meaning queries served, ${pct(total.wrongRate)} of served hits wrong (${total.wrong}/${total.served + total.wrong})`);
  console.log(`plain ${BASELINE_THRESHOLD} cut-off:  ${pct(plain.servedRate)} served, ${pct(plain.wrongRate)} of served hits wrong (${plain.wrong}/${plain.served + plain.wrong})\n`);
  console.log(
    table(
      THRESHOLDS.map((t) => {
        const r = evaluate(scored, t);
        return { threshold: t.toFixed(2), 'served (verifier)': pct(r.verified.servedRate), 'wrong (verifier)': `${pct(r.verified.wrongRate)} (${r.verified.wrong})`, 'served (plain)': pct(r.plain.servedRate), 'wrong (plain)': pct(r.plain.wrongRate) };
      }),
    ),
  );
  if (!values.misses) return;
  console.log(`\nat ${threshold}: wrong hits, then same-meaning pairs the verifier refused:`);
  for (const p of scored.filter((p) => p.similarity >= threshold && p.verified && p.label === 'different')) console.log(`WRONG ${p.kind} ${p.similarity.toFixed(3)} | ${p.cached} | ${p.query}`);
  for (const p of scored.filter((p) => p.similarity >= threshold && !p.verified && p.label === 'same')) console.log(`lost  ${p.kind} ${p.similarity.toFixed(3)} ${p.reason} | ${p.cached} | ${p.query}`);
}

for (const set of sets) {
  const pairs = loadPairs(set);
  if (pairs.length === 0) {
    console.log(`\n## ${set} (${SETS[set]}): no pairs`);
    continue;
  }
  report(set, await scorePairs(pairs));
}
