#!/usr/bin/env -S npx tsx
// The `helix` command line: operate a running Helix from a terminal.
import { loadConfig } from '../lib/config.ts';
import { createAnalyticsReader } from '../clickhouse/reader.ts';
import { openAnalyticsStore } from '../clickhouse/store.ts';
import { migrate } from '../clickhouse/migrate.ts';
import { formatTable } from './format.ts';
import { KEYS_USAGE, runKeysCommand } from './keys.ts';

const USAGE = `usage: helix <command>

  sql "<query>" [--json]   run a read-only SQL query against the analytics store
  migrate                  apply ClickHouse migrations (remote ClickHouse; embedded stores migrate on sink start)
  keys <command>           manage virtual keys (see below)

environment: HELIX_QUERY_URL (default http://127.0.0.1:8124), HELIX_MASTER_KEY, CLICKHOUSE_URL

${KEYS_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'keys') return runKeysCommand(rest);
  const config = loadConfig();
  switch (command) {
    case 'sql': {
      const json = rest.includes('--json');
      const sql = rest.filter((a) => a !== '--json').join(' ');
      if (!sql) throw new Error('helix sql needs a query, e.g. helix sql "SELECT count() FROM helix.responses"');
      const reader = await createAnalyticsReader(config.env);
      try {
        const result = await reader.query(sql);
        process.stdout.write(json ? JSON.stringify(result.data, null, 2) + '\n' : formatTable(result.meta.map((m) => m.name), result.data) + `\n(${result.rows} rows, ${result.elapsed_ms} ms)\n`);
      } finally {
        await reader.close();
      }
      return 0;
    }
    case 'migrate': {
      const store = await openAnalyticsStore(config.env);
      try {
        const { applied } = await migrate(store.client, { database: store.database });
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date');
      } finally {
        await store.close();
      }
      return 0;
    }
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
