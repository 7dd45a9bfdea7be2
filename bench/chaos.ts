// Chaos run: steady mixed traffic through a real Helix (Kafka, Redis, ClickHouse, consumers, one gateway with the
// mock provider, all on 127.0.0.1) while, one after another: kill -9 Kafka and restart it; kill -9 the consumers and
// restart them; restart Redis; take ClickHouse away and bring it back; fill the event spool's quota; kill -9 the
// gateway mid-stream and restart it. After each, a row: requests answered, their rows in ClickHouse, ledger entries,
// Redis budget spend vs the ledger's sum, lost, duplicated, overspent, seconds to recover (docs/chaos.md).
// Exit code 1 when a row loses, duplicates or overspends anything (or Redis and the ledger disagree), 2 on an error.
//
//   npx tsx bench/chaos.ts [--seconds-per-fault 15] [--rps 20] [--short] [--only kafka,gateway] [--json out.json]
//   --short: the CI version (3 s per fault, 5 req/s).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setPidFileOwner } from '../stack/process.ts';
import { startCluster, type Cluster } from './chaos/cluster.ts';
import { FAULTS, clickhouseOutage, consumersKill, gatewayKill, kafkaKill, noFault, redisRestart, spoolFull, type Fault } from './chaos/faults.ts';
import { failures, renderNotes, renderTable } from './chaos/report.ts';
import { runChaos, type Row } from './chaos/run.ts';

const { values } = parseArgs({
  options: {
    'seconds-per-fault': { type: 'string' },
    rps: { type: 'string' },
    short: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'string' },
    'max-minutes': { type: 'string' },
  },
});
const short = values.short!;
const holdS = Number(values['seconds-per-fault'] ?? (short ? 3 : 15));
const rps = Number(values.rps ?? (short ? 5 : 20));
if (!(holdS > 0) || !(rps > 0)) throw new Error('--seconds-per-fault and --rps must be positive numbers');
const BY_NAME: Record<string, Fault> = { none: noFault, kafka: kafkaKill, consumers: consumersKill, redis: redisRestart, clickhouse: clickhouseOutage, spool: spoolFull, gateway: gatewayKill };
const faults = values.only ? [noFault, ...values.only.split(',').map((n) => BY_NAME[n.trim()] ?? fail(`unknown fault ${n}; known: ${Object.keys(BY_NAME).join(', ')}`)).filter((f) => f !== noFault)] : FAULTS;
// The whole run is bounded: a fault that never heals ends it with exit code 2.
const maxMinutes = Number(values['max-minutes'] ?? (short ? 8 : 20 + (faults.length * 3 * holdS) / 60));

function fail(message: string): never {
  console.error(`chaos: ${message}`);
  process.exit(2);
}

const started = Date.now();
const say = (line: string) => console.error(`chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s: ${line}`);
setPidFileOwner('chaos run');

let cluster: Cluster | undefined;
let stopping: Promise<void> | undefined;
const shutdown = (code: number) => {
  stopping ??= (async () => {
    await cluster?.stop().catch((err: unknown) => say(`stopping: ${(err as Error).message}`));
    process.exit(code);
  })();
  return stopping;
};
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
const watchdog = setTimeout(() => {
  say(`the run exceeded ${maxMinutes} minutes: stopping`);
  void shutdown(2);
}, maxMinutes * 60_000);

function print(rows: Row[]): void {
  console.log(`\nHelix chaos run: ${rps} req/s mixed traffic, each fault held ${holdS} s (${((Date.now() - started) / 1000).toFixed(0)} s in all)\n`);
  console.log(renderTable(rows));
  console.log(`\n${renderNotes(rows)}`);
}

let code = 0;
const rows: Row[] = [];
try {
  cluster = await startCluster(say);
  await runChaos(cluster, faults, {
    rps,
    holdMs: holdS * 1000,
    // Long enough for a dozen requests of the mix, so every phase has budgeted requests a provider answered.
    leadMs: Math.max(12_000 / rps, (holdS * 1000) / 4),
    settleMs: short ? 60_000 : 120_000,
    recoverMs: 180_000,
    say,
  }, rows);
  print(rows);
  const failed = rows.flatMap((r) => failures(r).map((f) => `${r.fault}: ${f}`));
  console.log(failed.length ? `\nFAILED: ${failed.join('; ')}` : '\nEvery row: 0 lost, 0 duplicated, 0 overspent.');
  // Without the keys' secrets (throwaway, but secrets all the same).
  if (values.json) writeFileSync(values.json, JSON.stringify({ rps, holdS, seconds: (Date.now() - started) / 1000, rows }, (k, v: unknown) => (k === 'key' ? undefined : v), 1));
  code = failed.length ? 1 : 0;
} catch (err) {
  say(`error: ${(err as Error).stack ?? String(err)}`);
  if (rows.length) print(rows);
  code = 2;
} finally {
  clearTimeout(watchdog);
}
await shutdown(code);
