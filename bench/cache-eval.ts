// Semantic-cache precision/recall on the labelled pairs (test/fixtures/cache/pairs.jsonl) with the real MiniLM:
// for thresholds 0.80–0.95, the hit rate on true paraphrases and the share of hits that are wrong, with and
// without the verifier. Needs the local model (`npm start` / `npm test` download it once).
//   npx tsx bench/cache-eval.ts [--split dev|holdout] [--misses]
import { evaluate, loadPairs, scorePairs, THRESHOLDS, type Row } from '../test/fixtures/cache/evaluate.ts';

const split = process.argv.includes('--split') ? process.argv[process.argv.indexOf('--split') + 1] : undefined;
const pairs = loadPairs().filter((p) => !split || p.split === split);
const scored = await scorePairs(pairs);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`.padStart(8);
const same = pairs.filter((p) => p.label === 'same').length;

console.log(`${pairs.length} pairs (${same} same, ${pairs.length - same} different)${split ? `, split ${split}` : ''}; model all-MiniLM-L6-v2\n`);
console.log(`threshold  ${'hit rate'.padStart(8)}  ${'wrong'.padStart(8)}  | with verifier: ${'hit rate'.padStart(8)}  ${'wrong'.padStart(8)}  (wrong/served)`);
const line = (r: Row) =>
  `${r.threshold.toFixed(2).padEnd(9)}  ${pct(r.hitRate)}  ${pct(r.wrongHitRate)}  |                ${pct(r.hitRateVerified)}  ${pct(r.wrongHitRateVerified)}  (${r.wrongHitsVerified}/${Math.round(r.hitRateVerified * same) + r.wrongHitsVerified})`;
for (const t of THRESHOLDS) console.log(line(evaluate(scored, t)));

if (process.argv.includes('--misses')) {
  console.log('\nat 0.88 — wrong hits, then true pairs the verifier rejected:');
  for (const p of scored.filter((p) => p.similarity >= 0.88 && p.verified && p.label === 'different')) console.log(`WRONG ${p.kind} ${p.similarity.toFixed(3)} | ${p.cached} | ${p.query}`);
  for (const p of scored.filter((p) => p.similarity >= 0.88 && !p.verified && p.label === 'same')) console.log(`lost  ${p.kind} ${p.similarity.toFixed(3)} ${p.reason} | ${p.cached} | ${p.query}`);
}
