// What a phase left behind: its requests' rows in ClickHouse (requests, responses, ledger_entries), the budget
// spend in Redis against the ledger's sum, and from those the numbers a row of the chaos table reports.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { BudgetKeys } from '../../core/budgets/store.ts';
import { LIFETIME, periodAt } from '../../core/budgets/periods.ts';
import { nanoFromDecimal, toNano } from '../../core/money.ts';
import type { ClickhouseProcess } from './clickhouse.ts';
import type { Call, ChaosKey } from './traffic.ts';

const TABLES = ['requests', 'responses', 'ledger_entries'] as const;
type Table = (typeof TABLES)[number];
/** The gateway's default budget prefix (the chaos config keeps it). */
const BUDGET_KEYS = new BudgetKeys('helix:budget:');

export interface Landed {
  /** Rows per request id, per table. */
  rows: Record<Table, Map<string, number>>;
  /** Per budgeted key: spend in Redis and the ledger's sum, nano-USD. */
  spend: Array<{ key: ChaosKey; redisNano: number; ledgerNano: number }>;
  /** Only when they differ: what explains it (ledger rows sharing an event id, entries Redis has no booking mark of). */
  mismatchClues: string[];
}

export async function landed(ch: ClickhouseProcess, redisUrl: string, prefix: string, budgetKeys: ChaosKey[]): Promise<Landed> {
  const rows = {} as Record<Table, Map<string, number>>;
  for (const table of TABLES) {
    const found = await ch.query<{ request_id: string; n: number | string }>(`SELECT request_id, count() AS n FROM helix.${table} WHERE startsWith(request_id, '${prefix}') GROUP BY request_id`);
    rows[table] = new Map(found.map((r) => [r.request_id, Number(r.n)]));
  }
  const ids = budgetKeys.map((k) => `'${k.keyId}'`).join(',');
  const sums = ids ? await ch.query<{ key_id: string; cost: string }>(`SELECT key_id, toString(sum(cost_usd)) AS cost FROM helix.ledger_entries WHERE key_id IN (${ids}) GROUP BY key_id`) : [];
  const ledger = new Map(sums.map((s) => [s.key_id, nanoFromDecimal(s.cost)]));
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 2_000, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const period = periodAt(LIFETIME, Date.now()).id;
    const values = budgetKeys.length ? await redis.mget(...budgetKeys.map((k) => BUDGET_KEYS.spend(`key:${k.keyId}`, period))) : [];
    const spend = budgetKeys.map((key, i) => ({ key, redisNano: Number(values[i] ?? 0), ledgerNano: ledger.get(key.keyId) ?? 0 }));
    const mismatchClues = spend.some((s) => s.redisNano !== s.ledgerNano) ? await clues(ch, redis, ids) : [];
    return { rows, spend, mismatchClues };
  } finally {
    redis.disconnect();
  }
}

/** Ledger rows of the budgeted keys that share an event id, and entries whose booking mark Redis lacks. */
async function clues(ch: ClickhouseProcess, redis: Redis, ids: string): Promise<string[]> {
  const entries = await ch.query<{ event_id: string; source_event_id: string; request_id: string; n: number | string; cost: string }>(
    `SELECT toString(event_id) AS event_id, toString(any(source_event_id)) AS source_event_id, any(request_id) AS request_id, count() AS n, toString(any(cost_usd)) AS cost FROM helix.ledger_entries WHERE key_id IN (${ids}) GROUP BY event_id`,
  );
  const out = entries.filter((e) => Number(e.n) > 1).map((e) => `ledger event ${e.event_id} (${e.request_id}, $${e.cost}) ×${e.n}`);
  const marks = entries.length ? ((await redis.pipeline(entries.map((e) => ['exists', BUDGET_KEYS.booked(e.source_event_id)])).exec()) ?? []) : [];
  entries.forEach((e, i) => marks[i]?.[1] === 0 && out.push(`no booking mark in Redis for ${e.request_id} ($${e.cost})`));
  return out;
}

export interface Counts {
  sent: number;
  ok: number;
  /** Of those, from keys with a budget. */
  budgetedOk: number;
  /** Of those, answered by a provider rather than the cache: each one spends from its key's budget. */
  budgetedPaidOk: number;
  refused: number;
  failed: number;
  requestRows: number;
  responseRows: number;
  ledgerRows: number;
  /** Answered ok, yet its response row or ledger entry is missing. */
  lost: number;
  /** Rows beyond the first for one request id, over the three tables. */
  duplicates: number;
  /** Answered ok without a request row (request events are the first the spool sheds at its cap). */
  requestRowsMissing: number;
  redisSpendNano: number;
  ledgerSpendNano: number;
  /** Σ |Redis spend − ledger sum| over the budgeted keys. */
  spendMismatchNano: number;
  /** Σ spend above each key's budget. */
  overspendNano: number;
  refusedReasons: Record<string, number>;
  failedReasons: Record<string, number>;
  lostSamples: string[];
  duplicateSamples: string[];
  mismatchClues: string[];
}

const tally = (reasons: Array<string | undefined>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of reasons) out[r ?? '?'] = (out[r ?? '?'] ?? 0) + 1;
  return out;
};

export function count(calls: Call[], land: Landed): Counts {
  const ok = calls.filter((c) => c.outcome === 'ok');
  const has = (table: Table, id: string) => (land.rows[table].get(id) ?? 0) > 0;
  const lost = ok.filter((c) => !has('responses', c.id) || !has('ledger_entries', c.id));
  let duplicates = 0;
  const duplicateSamples: string[] = [];
  for (const table of TABLES) {
    for (const [id, n] of land.rows[table]) {
      if (n <= 1) continue;
      duplicates += n - 1;
      if (duplicateSamples.length < 5) duplicateSamples.push(`${id} ×${n} in ${table}`);
    }
  }
  let overspendNano = 0;
  let spendMismatchNano = 0;
  for (const s of land.spend) {
    if (s.key.budget !== undefined) overspendNano += Math.max(0, Math.max(s.redisNano, s.ledgerNano) - toNano(s.key.budget));
    spendMismatchNano += Math.abs(s.redisNano - s.ledgerNano);
  }
  return {
    sent: calls.length,
    ok: ok.length,
    budgetedOk: ok.filter((c) => c.budgeted).length,
    budgetedPaidOk: ok.filter((c) => c.budgeted && !c.fromCache).length,
    refused: calls.filter((c) => c.outcome === 'refused').length,
    failed: calls.filter((c) => c.outcome === 'failed' || c.outcome === undefined).length,
    requestRows: ok.filter((c) => has('requests', c.id)).length,
    responseRows: ok.filter((c) => has('responses', c.id)).length,
    ledgerRows: ok.filter((c) => has('ledger_entries', c.id)).length,
    lost: lost.length,
    duplicates,
    requestRowsMissing: ok.filter((c) => !has('requests', c.id)).length,
    redisSpendNano: land.spend.reduce((a, s) => a + s.redisNano, 0),
    ledgerSpendNano: land.spend.reduce((a, s) => a + s.ledgerNano, 0),
    spendMismatchNano,
    overspendNano,
    refusedReasons: tally(calls.filter((c) => c.outcome === 'refused').map((c) => c.reason)),
    failedReasons: tally(calls.filter((c) => c.outcome !== 'ok' && c.outcome !== 'refused').map((c) => c.reason ?? 'no answer yet')),
    lostSamples: lost.slice(0, 5).map((c) => `${c.id} (${c.kind}${has('responses', c.id) ? '' : ', no response row'}${has('ledger_entries', c.id) ? '' : ', no ledger entry'})`),
    duplicateSamples,
    mismatchClues: land.mismatchClues,
  };
}

/** Polls (bounded) until every ok call has its response row and ledger entry and Redis spend equals the ledger. */
export async function settle(ch: ClickhouseProcess, redisUrl: string, prefix: string, calls: Call[], budgetKeys: ChaosKey[], timeoutMs: number): Promise<{ counts: Counts; settledMs: number; settled: boolean }> {
  const t0 = Date.now();
  let last: Counts | undefined;
  let lastError: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      last = count(calls, await landed(ch, redisUrl, prefix, budgetKeys));
      if (last.lost === 0 && last.spendMismatchNano === 0) return { counts: last, settledMs: Date.now() - t0, settled: true };
    } catch (err) {
      lastError = err;
    }
    await sleep(1_000);
  }
  if (!last) throw new Error(`could not read ClickHouse/Redis to settle: ${(lastError as Error | undefined)?.message ?? 'timeout'}`);
  return { counts: last, settledMs: Date.now() - t0, settled: false };
}
