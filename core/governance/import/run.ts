// `helix import litellm`, the steps: read LiteLLM's database, plan (mapping.ts), then keys → entities → spend, each
// compared with what Helix has so a second run reports everything unchanged and writes nothing. A dry run takes the
// same path and writes nothing at all. A row that cannot be imported is reported and skipped; a store that cannot
// be reached stops the run (nothing is half-booked: spend goes last and is idempotent per slot).
import type { EntityKind, EntityRecord } from '../entities.ts';
import { GovernanceError } from '../errors.ts';
import { normalizeRecord } from '../settings.ts';
import { usdFromNano } from '../../money.ts';
import type { PeriodSpec } from '../../budgets/periods.ts';
import type { LiteLLMData } from './litellm-source.ts';
import { planImport, type ImportPlan, type PlannedKey } from './mapping.ts';
import { balanceChanges, balanceSlots, budgetPeriods, type BalanceChange, type ImportedKeyRef } from './opening-balances.ts';

export type Outcome = 'created' | 'updated' | 'unchanged';
export type ReportKind = EntityKind | 'key';

/** The key store's import (KeyStore.importRecord). */
export interface KeyImportTarget {
  importRecord(key: PlannedKey, opts: { dryRun?: boolean }): Promise<{ record: ImportedKeyRef; outcome: Outcome }>;
}

/** The governance store's read and upsert (GovernanceStore.get / put). */
export interface EntityImportTarget {
  get(kind: EntityKind, id: string): Promise<EntityRecord | undefined>;
  put(record: EntityRecord): Promise<EntityRecord>;
}

/** Where opening balances go (balance-target.ts): what each slot booked so far, and booking changes. */
export interface BalanceTarget {
  booked(): Promise<Map<string, number>>;
  book(changes: BalanceChange[]): Promise<void>;
}

export interface ImportTargets {
  keys: KeyImportTarget;
  entities: EntityImportTarget;
  balances: BalanceTarget;
}

export interface KindCounts {
  created: number;
  updated: number;
  unchanged: number;
  /** Rows left out (unusable) or refused by the store. */
  skipped: number;
}

export interface ImportReport {
  dryRun: boolean;
  counts: Record<ReportKind, KindCounts>;
  spend: {
    /** Opening-balance entries booked (or, in a dry run, that would be). */
    entries: number;
    /** Their sum (USD): the change in spend to date this run brings. */
    usd: number;
    /** Slots already at LiteLLM's figure. */
    unchanged: number;
  };
  /** `<kind> <id>: <reason>` for every row skipped. */
  problems: string[];
  warnings: string[];
}

export interface ImportOptions {
  dryRun: boolean;
  /** The global budget from config (its period gets a counter too). */
  globalBudget?: { budget_duration?: string | undefined } | undefined;
  nowMs?: number;
  /** Concurrent store operations (default 16). */
  concurrency?: number;
}

const KINDS: ReportKind[] = ['key', 'team', 'user', 'customer', 'tag'];

/** Runs `fn` over `items` with at most `limit` at once, results in order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A store's refusal of one record (bad value, conflict) is that record's problem; anything else stops the run. */
function refusal(err: unknown): string | undefined {
  if (err instanceof GovernanceError && err.code !== 'unavailable') return err.message;
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === 'KeyStoreError' && e.code !== 'unavailable') return e.message;
  return undefined;
}

/** The settings that matter for "unchanged": everything but the timestamps. */
const comparable = (r: EntityRecord): string => JSON.stringify({ ...r, created_at: undefined, updated_at: undefined });

export async function runImport(data: LiteLLMData, targets: ImportTargets, opts: ImportOptions): Promise<{ report: ImportReport; plan: ImportPlan }> {
  const plan = planImport(data);
  const nowMs = opts.nowMs ?? Date.now();
  const limit = opts.concurrency ?? 16;
  const counts = Object.fromEntries(KINDS.map((k) => [k, { created: 0, updated: 0, unchanged: 0, skipped: 0 }])) as Record<ReportKind, KindCounts>;
  const problems: string[] = [];
  const refused = new Set<string>();
  const skip = (kind: ReportKind, id: string, reason: string) => {
    counts[kind].skipped++;
    refused.add(`${kind}:${id}`);
    problems.push(`${kind} ${id}: ${reason}`);
  };
  for (const s of plan.skipped) skip(s.kind, s.id, s.reason);

  // Keys first: their Helix ids name the spend slots.
  const imported = new Map<string, ImportedKeyRef>();
  // An alias a Helix key already has: the LiteLLM key comes without it (its clients only need the secret to work).
  const importKey = async (key: PlannedKey) => {
    try {
      return await targets.keys.importRecord(key, { dryRun: opts.dryRun });
    } catch (err) {
      if (!key.key_alias || (err as { code?: string }).code !== 'conflict') throw err;
      plan.warnings.push(`key ${key.key_alias}: the alias belongs to another Helix key, imported without alias`);
      const { key_alias: _alias, ...rest } = key;
      return targets.keys.importRecord(rest, { dryRun: opts.dryRun });
    }
  };
  await mapLimit(plan.keys, limit, async (key) => {
    try {
      const { record, outcome } = await importKey(key);
      counts.key[outcome]++;
      imported.set(key.key_hash, record);
    } catch (err) {
      const reason = refusal(err);
      if (reason === undefined) throw err;
      skip('key', key.key_alias ?? key.key_name, reason);
    }
  });

  await mapLimit(plan.entities, limit, async (planned) => {
    try {
      const existing = await targets.entities.get(planned.kind, planned.id);
      const wanted = normalizeRecord(existing ? { ...planned, created_at: existing.created_at } : planned);
      if (existing && comparable(existing) === comparable(wanted)) {
        counts[planned.kind].unchanged++;
        return;
      }
      if (!opts.dryRun) await targets.entities.put(wanted);
      counts[planned.kind][existing ? 'updated' : 'created']++;
    } catch (err) {
      const reason = refusal(err);
      if (reason === undefined) throw err;
      skip(planned.kind, planned.id, reason);
    }
  });

  // Spend: only for what was imported (a skipped key's spend has nowhere to go).
  const kept = { ...plan, spend: plan.spend.filter((f) => f.kind === 'key' || !refused.has(`${f.kind}:${f.id}`)) };
  const periods: Map<string, PeriodSpec> = budgetPeriods(kept, imported.values(), opts.globalBudget);
  const slots = balanceSlots(kept, imported);
  const changes = balanceChanges(slots, await targets.balances.booked(), periods, nowMs);
  if (!opts.dryRun && changes.length > 0) await targets.balances.book(changes);
  const deltaNano = changes.reduce((sum, c) => sum + (c.afterNano - c.beforeNano), 0);

  return {
    plan,
    report: {
      dryRun: opts.dryRun,
      counts,
      spend: { entries: changes.length, usd: usdFromNano(deltaNano), unchanged: slots.length - changes.length },
      problems,
      warnings: plan.warnings,
    },
  };
}
