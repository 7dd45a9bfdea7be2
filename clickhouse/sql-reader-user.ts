// On a ClickHouse server (CLICKHOUSE_URL) the SQL surface logs in as a user of its own: SELECT on Helix's database
// only, `readonly = 2` (clients may send output settings; readonly itself cannot change) and the limits as CONST
// constraints. Its password is derived from the master key, so every Helix process can log in without another
// secret, and whoever connects with CLICKHOUSE_URL's account (compose: the default user, with access management)
// creates or updates it.
import { createHmac } from 'node:crypto';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { CLIENT_SETTINGS } from './store.ts';
import { limitSettings, type SqlLimits } from './sql-limits.ts';

/** Refused queries are answers to the user, not log lines. */
const QUIET = { level: ClickHouseLogLevel.OFF };

export const sqlReaderUser = (database: string) => `${database}_sql_reader`;

export const sqlReaderPassword = (masterKey: string) => createHmac('sha256', masterKey).update('helix sql reader').digest('hex');

/** Idempotent: run on every start, so a changed master key or limit reaches the server. */
export function sqlReaderStatements(database: string, password: string, limits: SqlLimits): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`invalid database name: ${database}`);
  const user = sqlReaderUser(database);
  const constants = Object.entries(limitSettings(limits)).map(([name, value]) => `${name} = ${typeof value === 'number' ? value : `'${value}'`} CONST`);
  const definition = `IDENTIFIED WITH sha256_password BY '${password}' DEFAULT DATABASE ${database} SETTINGS readonly = 2, ${constants.join(', ')}`;
  return [`CREATE USER IF NOT EXISTS ${user} ${definition}`, `ALTER USER ${user} ${definition}`, `GRANT SELECT ON ${database}.* TO ${user} WITH REPLACE OPTION`];
}

/** Connects with CLICKHOUSE_URL's own account; a refusal (no access management) is the caller's to report. */
export async function ensureSqlReader(clickhouseUrl: string, database: string, password: string, limits: SqlLimits): Promise<void> {
  const admin = createClient({ url: clickhouseUrl, log: QUIET });
  try {
    for (const query of sqlReaderStatements(database, password, limits)) await admin.command({ query });
  } finally {
    await admin.close();
  }
}

/** A client logged in as the read-only user (CLICKHOUSE_URL's own credentials and database are dropped). */
export function sqlReaderClient(clickhouseUrl: string, database: string, password: string, limits: SqlLimits): ClickHouseClient {
  const { protocol, host } = new URL(clickhouseUrl);
  return createClient({
    url: `${protocol}//${host}`,
    username: sqlReaderUser(database),
    password,
    database,
    clickhouse_settings: CLIENT_SETTINGS,
    log: QUIET,
    request_timeout: (limits.maxExecutionSeconds + 10) * 1000,
  });
}
