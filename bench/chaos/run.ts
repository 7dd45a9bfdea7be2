// One chaos run: traffic starts, and for each fault (a phase): fresh budgeted keys, a lead-in of calm traffic, the
// fault held for a while, healing, a probe clocking the recovery, then traffic pauses until the phase's requests have
// landed (bounded) and its row is counted. At the end every phase is counted once more (something late still counts,
// a duplicate written after its row was printed too).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKey } from '../../test/helpers/traffic.ts';
import { waitFor } from '../../test/helpers/processes.ts';
import { MASTER_KEY, type Cluster } from './cluster.ts';
import type { Fault, FaultContext } from './faults.ts';
import { count, landed, settle, type Counts } from './measure.ts';
import { Traffic, type Call, type ChaosKey, type PhaseKeys } from './traffic.ts';

export interface RunOptions {
  rps: number;
  holdMs: number;
  leadMs: number;
  settleMs: number;
  recoverMs: number;
  say(line: string): void;
}

export interface Row {
  fault: string;
  skipped?: string;
  counts?: Counts;
  /** Seconds from the start of healing until a probe's response row was in ClickHouse; undefined = not within recoverMs. */
  recoverS?: number;
  settled?: boolean;
  settleS?: number;
  evidence: string[];
  felt: boolean;
  budgetKeys: ChaosKey[];
}

/** A tight budget is spent after two or three requests of the phase; the large one never. */
const TIGHT_USD = 0.002;
const BIG_USD = 50;

async function newKey(cluster: Cluster, budget?: number): Promise<ChaosKey> {
  // Right after a fault the gateway or Redis may still be coming up: retried, bounded.
  const k = await waitFor('a new virtual key', () => createKey(cluster.gatewayUrl, MASTER_KEY, { team_id: 'chaos', ...(budget !== undefined ? { max_budget: budget } : {}) }), 60_000, 500);
  return { key: k.key, keyId: k.keyId, budget };
}

/** Probes until one is answered, then until its response row is in ClickHouse; seconds since `from`. */
async function recover(cluster: Cluster, traffic: Traffic, phase: number, from: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = from + timeoutMs;
  let answered: Call | undefined;
  for (let attempt = 0; !answered && Date.now() < deadline; attempt++) {
    const call = await traffic.probe(phase, attempt);
    if (call.outcome === 'ok') answered = call;
    else await sleep(250);
  }
  while (answered && Date.now() < deadline) {
    const rows = await cluster.clickhouse.query<{ n: string }>(`SELECT count() AS n FROM helix.responses WHERE request_id = '${answered.id}'`).catch(() => []);
    if (Number(rows[0]?.n ?? 0) > 0) return (Date.now() - from) / 1000;
    await sleep(250);
  }
  return undefined;
}

/** Fills `rows` as it goes, so a run that ends in an error still shows what it measured. */
export async function runChaos(cluster: Cluster, faults: Fault[], opts: RunOptions, rows: Row[]): Promise<void> {
  const { say } = opts;
  const plain = await newKey(cluster);
  const other = await newKey(cluster);
  const keys = new Map<number, PhaseKeys>();
  const traffic = new Traffic({
    url: cluster.gatewayUrl,
    rps: opts.rps,
    run: `ch${randomBytes(3).toString('hex')}`,
    keys: (phase) => keys.get(phase)!,
    timeoutMs: 30_000,
    maxInFlight: Math.max(50, opts.rps * 10),
  });
  const ctx: FaultContext = { cluster, traffic, holdMs: opts.holdMs, rps: opts.rps, say };
  traffic.start();
  try {
    for (const [phase, fault] of faults.entries()) {
      const phaseKeys: PhaseKeys = { plain, other, big: await newKey(cluster, BIG_USD), tight: await newKey(cluster, TIGHT_USD) };
      keys.set(phase, phaseKeys);
      const row: Row = { fault: fault.name, evidence: [], felt: false, budgetKeys: [phaseKeys.big, phaseKeys.tight] };
      rows.push(row);
      row.skipped = await fault.prepare?.(ctx);
      if (row.skipped) {
        say(`${fault.name}: skipped — ${row.skipped}`);
        continue;
      }
      say(`${fault.name}: traffic at ${opts.rps} req/s, fault in ${opts.leadMs / 1000} s, held ${opts.holdMs / 1000} s`);
      traffic.setPhase(phase);
      traffic.resume();
      await sleep(opts.leadMs);
      const run = await fault.run(ctx);
      row.evidence = run.healedAt > run.healStartedAt ? [...run.evidence, `back up ${((run.healedAt - run.healStartedAt) / 1000).toFixed(1)} s after its restart began`] : run.evidence;
      row.felt = run.felt;
      row.recoverS = await recover(cluster, traffic, phase, run.healStartedAt, opts.recoverMs);
      traffic.pause();
      await traffic.drain(35_000);
      const calls = traffic.calls.filter((c) => c.phase === phase);
      const s = await settle(cluster.clickhouse, cluster.redis.url, traffic.prefix(phase), calls, row.budgetKeys, opts.settleMs);
      row.counts = s.counts;
      row.settled = s.settled;
      row.settleS = s.settledMs / 1000;
      const c = s.counts;
      say(`${fault.name}: sent ${c.sent}, ok ${c.ok}, refused ${c.refused}, failed ${c.failed}, lost ${c.lost}, duplicates ${c.duplicates}, recovered in ${row.recoverS?.toFixed(1) ?? '—'} s`);
    }
  } finally {
    await traffic.stop(35_000);
  }
  // Counted once more now that everything had time to land.
  for (const [phase, row] of rows.entries()) {
    if (row.skipped) continue;
    const calls = traffic.calls.filter((c) => c.phase === phase);
    row.counts = count(calls, await landed(cluster.clickhouse, cluster.redis.url, traffic.prefix(phase), row.budgetKeys));
  }
  if (traffic.skipped > 0) say(`${traffic.skipped} ticks were not sent: ${Math.max(50, opts.rps * 10)} requests were already waiting`);
}
