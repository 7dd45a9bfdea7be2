// `helix import litellm`: moves a LiteLLM proxy's keys, teams, users, end users, tags, budgets and spend to date into
// Helix (core/governance/import/), straight into Redis and the ledger topic, like the gateway and ledger would.
// Idempotent; `--dry-run` reports what would change and writes nothing. docs/import-litellm.md.
import { createRedis } from '../lib/redis.ts';
import type { Producer } from 'kafkajs';
import { loadConfig, type HelixConfig } from '../lib/config.ts';
import { createDurableProducer, createKafka, ensureTopics } from '../lib/kafka.ts';
import { topicName } from '../schemas/topics.ts';
import type { LedgerEntry } from '../schemas/events/ledger.ts';
import { BudgetStore } from '../core/budgets/store.ts';
import { formatUsd } from '../core/money.ts';
import { GovernanceStore } from '../core/governance/store.ts';
import { readLiteLLM } from '../core/governance/import/litellm-source.ts';
import { balanceTarget } from '../core/governance/import/balance-target.ts';
import { runImport, type ImportReport, type ImportTargets, type ReportKind } from '../core/governance/import/run.ts';
import { KeyStore } from '../core/keys/key-store.ts';
import { formatTable } from './format.ts';
import { flag } from './usage.ts';

export const IMPORT_USAGE = `  import litellm --database-url postgres://… [--dry-run] [--redis <url>] [--config <file>] [--json]
                           import a LiteLLM proxy's keys, teams, users, end users, tags, budgets and spend
                           (DATABASE_URL works too); a second run changes nothing`;

const LABELS: Record<ReportKind, string> = { key: 'keys', team: 'teams', user: 'users', customer: 'end users', tag: 'tags' };

/** Ids and aliases come from the database: no control characters (terminal escapes) and no endless lines. */
// eslint-disable-next-line no-control-regex
const printable = (line: string): string => line.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 300);

/** The report as a table per kind, then spend, problems and warnings. */
export function formatReport(r: ImportReport): string {
  const verb = r.dryRun ? 'would be ' : '';
  const rows = (Object.keys(LABELS) as ReportKind[]).map((k) => ({ kind: LABELS[k], ...r.counts[k] }));
  const lines = [
    r.dryRun ? 'dry run: nothing was written' : 'imported',
    formatTable(['kind', 'created', 'updated', 'unchanged', 'skipped'], rows),
    '',
    `spend to date: ${r.spend.entries} opening-balance entries ${verb}booked (${formatUsd(r.spend.usd)}), ${r.spend.unchanged} unchanged`,
  ];
  if (r.problems.length) lines.push('', `skipped (${r.problems.length}):`, ...r.problems.slice(0, 50).map((p) => `  ${printable(p)}`), ...(r.problems.length > 50 ? [`  … and ${r.problems.length - 50} more`] : []));
  if (r.warnings.length) lines.push('', `warnings (${r.warnings.length}):`, ...r.warnings.slice(0, 50).map((w) => `  ${printable(w)}`), ...(r.warnings.length > 50 ? [`  … and ${r.warnings.length - 50} more`] : []));
  return lines.join('\n');
}

/** Ledger entries onto the ledger topic, keyed like the ledger's own (by key id), acknowledged by every replica. */
function ledgerPublisher(producer: Producer, prefix: string) {
  return async (entries: LedgerEntry[]): Promise<void> => {
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: topicName('ledger', prefix), messages: entries.map((e) => ({ key: e.key_id || 'anonymous', value: JSON.stringify(e) })) }] });
  };
}

async function importLiteLLM(databaseUrl: string, config: HelixConfig, opts: { dryRun: boolean; redisUrl: string }): Promise<ImportReport> {
  const data = await readLiteLLM(databaseUrl);
  const settings = config.helix_settings;
  const redis = createRedis(opts.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  const keys = KeyStore.open(opts.redisUrl, { prefix: settings.auth.redis_prefix });
  const entities = new GovernanceStore(redis, { prefix: settings.auth.redis_prefix });
  let producer: Producer | undefined;
  try {
    const publish = async (entries: LedgerEntry[]) => {
      if (!producer) {
        // Only a real run with spend to book needs Kafka.
        const kafka = createKafka(config.env.kafkaBrokers, 'helix-import-litellm');
        await ensureTopics(kafka, config.env.topicPrefix, ['ledger']);
        producer = createDurableProducer(kafka);
        await producer.connect();
      }
      await ledgerPublisher(producer, config.env.topicPrefix)(entries);
    };
    const targets: ImportTargets = {
      keys,
      entities,
      balances: balanceTarget({
        redis,
        budgets: new BudgetStore(redis, settings.budgets.redis_prefix),
        prefix: settings.budgets.redis_prefix,
        dedupeTtlSeconds: settings.budgets.dedupe_ttl_seconds,
        publish,
      }),
    };
    const { report } = await runImport(data, targets, { dryRun: opts.dryRun, globalBudget: settings.budgets.global });
    return report;
  } finally {
    await producer?.disconnect().catch(() => undefined);
    await keys.close();
    await entities.close();
    redis.disconnect();
  }
}

export async function importCommand(args: string[]): Promise<number> {
  if (args[0] !== 'litellm') {
    console.error(`usage: helix\n${IMPORT_USAGE}`);
    return 1;
  }
  const rest = args.slice(1);
  const databaseUrl = flag(rest, '--database-url') ?? process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('helix import litellm needs --database-url postgres://… (or DATABASE_URL): the LiteLLM proxy\'s database');
    return 1;
  }
  const configFile = flag(rest, '--config');
  const config = loadConfig(configFile ? { ...process.env, HELIX_CONFIG: configFile } : process.env);
  const report = await importLiteLLM(databaseUrl, config, { dryRun: rest.includes('--dry-run'), redisUrl: flag(rest, '--redis') ?? flag(rest, '--redis-url') ?? config.env.redisUrl });
  console.log(rest.includes('--json') ? JSON.stringify(report, null, 2) : formatReport(report));
  return 0;
}
