// Applies clickhouse/migrations/NNNN_name.sql in order, once each, recording them in {database}.schema_migrations.
// Every statement is idempotent (IF NOT EXISTS), so a half-applied migration can simply run again. On a cluster the
// same statements are rewritten for it (cluster-ddl.ts) and run once, from one node.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { repoRoot } from '../lib/paths.ts';
import { clusterStatements } from './cluster-ddl.ts';

/** From the package root, not this module: compiled into dist/, the .sql files stay in clickhouse/migrations. */
export const MIGRATIONS_DIR = join(repoRoot, 'clickhouse', 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const migrations = files.map((file) => {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name must be NNNN_name.sql: ${file}`);
    return { version: Number(match[1]), name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') };
  });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 0001, 0002, … without gaps or repeats; found ${String(m.version).padStart(4, '0')} at position ${i + 1}`);
  });
  return migrations;
}

/** Splits a file into statements (`;` at line end), dropping comments. */
export function statements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

export interface MigrateOptions {
  database: string;
  retentionDays?: number;
  /** A cluster of the servers' remote_servers (AnalyticsStore.cluster): statements run ON CLUSTER, see cluster-ddl.ts. */
  cluster?: string;
}

/** Single-server statements as they run on the target: unchanged, or rewritten for the cluster. */
const onTarget = (list: string[], opts: MigrateOptions) => (opts.cluster ? list.flatMap((s) => clusterStatements(s, opts.cluster!)) : list);

/** The database and the ledger of applied migrations, before any migration. */
export function ledgerStatements(opts: MigrateOptions): string[] {
  const db = opts.database;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(db)) throw new Error(`invalid database name: ${db}`);
  return onTarget(
    [
      `CREATE DATABASE IF NOT EXISTS ${db}`,
      `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`,
    ],
    opts,
  );
}

/** A migration's statements as they run: placeholders filled in, then rewritten for the target. */
export function migrationStatements(m: Migration, opts: MigrateOptions): string[] {
  const sql = m.sql.replaceAll('{database}', opts.database).replaceAll('{retention_days}', String(opts.retentionDays ?? 90));
  return onTarget(statements(sql), opts);
}

/** A database first migrated for one server has plain tables where the cluster needs Distributed ones over `_local`. */
async function assertClusterLedger(client: ClickHouseClient, db: string): Promise<void> {
  const rs = await client.query({ query: "SELECT engine FROM system.tables WHERE database = {db:String} AND name = 'schema_migrations'", query_params: { db }, format: 'JSONEachRow' });
  const [ledger] = await rs.json<{ engine: string }>();
  if (ledger?.engine !== 'Distributed') {
    throw new Error(`database ${db} was migrated for a single ClickHouse server (schema_migrations is ${ledger?.engine ?? 'missing'}): a cluster needs a database of its own (docs/scale-out.md)`);
  }
}

export async function migrate(client: ClickHouseClient, opts: MigrateOptions): Promise<{ applied: string[] }> {
  const db = opts.database;
  for (const query of ledgerStatements(opts)) await client.command({ query });
  if (opts.cluster) await assertClusterLedger(client, db);
  const done = await client.query({ query: `SELECT version FROM ${db}.schema_migrations FINAL`, format: 'JSONEachRow' });
  const appliedVersions = new Set((await done.json<{ version: number }>()).map((r) => Number(r.version)));
  const applied: string[] = [];
  for (const m of listMigrations()) {
    if (appliedVersions.has(m.version)) continue;
    for (const statement of migrationStatements(m, opts)) await client.command({ query: statement });
    const checksum = createHash('sha256').update(m.sql).digest('hex').slice(0, 16);
    await client.insert({ table: `${db}.schema_migrations`, values: [{ version: m.version, name: m.name, checksum }], format: 'JSONEachRow' });
    applied.push(`${String(m.version).padStart(4, '0')}_${m.name}`);
  }
  return { applied };
}
