#!/usr/bin/env -S npx tsx
// The `helix` command line: operate a running Helix from a terminal.
import { loadConfig } from '../lib/config.ts';
import { readLocalSqlKey } from '../lib/local-sql-key.ts';
import { createAnalyticsReader } from '../clickhouse/reader.ts';
import { openAnalyticsStore } from '../clickhouse/store.ts';
import { migrate } from '../clickhouse/migrate.ts';
import { formatTable } from './format.ts';
import { KEYS_USAGE, runKeysCommand } from './keys.ts';
import { GOVERNANCE_USAGE, runGovernanceCommand } from './governance.ts';
import { SPEND_USAGE, runSpendCommand } from './spend.ts';
import { CACHE_USAGE, cacheCommand } from './cache.ts';
import { REPLAY_USAGE, replayCommand } from './replay-cache.ts';
import { USAGE_USAGE, usageCommand } from './usage.ts';
import { OPTIMIZE_USAGE, optimizeCommand } from './optimize.ts';
import { REPLAY_LEDGER_USAGE, replayLedgerCommand } from './replay-ledger.ts';
import { IMPORT_USAGE, importCommand } from './import-litellm.ts';
import { CONFIG_USAGE, configCommand } from './config.ts';

const USAGE = `usage: helix <command>

  sql "<query>" [--json]   run a read-only SQL query against the analytics store
  migrate                  apply ClickHouse migrations (remote ClickHouse; embedded stores migrate on sink start)
  keys <command>           manage virtual keys (see below)
  teams|users|customers|tags <command>   manage teams, users, end users and tags (see below)
${CONFIG_USAGE}
${CACHE_USAGE}
${REPLAY_USAGE}
${REPLAY_LEDGER_USAGE}
${IMPORT_USAGE}
${USAGE_USAGE}
${SPEND_USAGE}
${OPTIMIZE_USAGE}

environment: HELIX_QUERY_URL (default http://127.0.0.1:8124), HELIX_MASTER_KEY (default: the local stack's SQL key in
$HELIX_DATA_DIR/local-sql-key, written by npm start), CLICKHOUSE_URL

${KEYS_USAGE}

${GOVERNANCE_USAGE}`;

/** Runs `use` on the opened resource and closes it afterwards, whatever happens; exit code 0. */
async function closing<R extends { close(): Promise<void> }>(opened: Promise<R>, use: (resource: R) => Promise<void>): Promise<number> {
  const resource = await opened;
  try {
    await use(resource);
  } finally {
    await resource.close();
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'keys') return runKeysCommand(rest);
  if (command === 'teams' || command === 'users' || command === 'customers' || command === 'tags') return runGovernanceCommand(command, rest);
  if (command === 'import') return importCommand(rest);
  if (command === 'spend') return runSpendCommand(rest);
  if (command === 'config') return configCommand(rest);
  const config = loadConfig();
  // A local stack started without a master key gave its SQL endpoint a key of its own (stack/up.ts).
  config.env.masterKey ??= readLocalSqlKey(config.env.dataDir);
  if (command === 'replay' && rest[0] === 'ledger') return replayLedgerCommand(rest.slice(1), config);
  switch (command) {
    case 'sql': {
      const json = rest.includes('--json');
      const sql = rest.filter((a) => a !== '--json').join(' ');
      if (!sql) throw new Error('helix sql needs a query, e.g. helix sql "SELECT count() FROM helix.responses"');
      return closing(createAnalyticsReader(config.env), async (reader) => {
        const result = await reader.query(sql);
        process.stdout.write(json ? JSON.stringify(result.data, null, 2) + '\n' : formatTable(result.meta.map((m) => m.name), result.data) + `\n(${result.rows} rows, ${result.elapsed_ms} ms)\n`);
      });
    }
    case 'usage':
      return usageCommand(rest, config);
    case 'optimize':
      return optimizeCommand(rest, config);
    case 'migrate':
      return closing(openAnalyticsStore(config.env), async (store) => {
        const { applied } = await migrate(store.client, { database: store.database, cluster: store.cluster, retentionDays: config.helix_settings.analytics.retention_days });
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date');
      });
    case 'cache':
      return cacheCommand(rest, config);
    case 'replay':
      return replayCommand(rest, config);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`helix: ${(err as Error).message}`);
    process.exit(1);
  },
);
