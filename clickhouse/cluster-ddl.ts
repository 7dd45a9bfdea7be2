// Migrations on a ClickHouse cluster (HELIX_CLICKHOUSE_CLUSTER, docs/scale-out.md): the statements of
// clickhouse/migrations, written for one server, rewritten here so one set of migrations serves both.
// Each table becomes `<name>_local` on every node, its engine the Replicated counterpart, plus `<name>`, a Distributed
// table over those: the sink, the readers and `helix sql` keep the names they know. Materialized views read and write
// the local tables (an insert triggers them on the node that stores it, and their target replicates like any table);
// views read the Distributed tables and join with GLOBAL (the right side is gathered once and sent to every shard).

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const LOCAL_SUFFIX = '_local';

/** The cluster's name goes into SQL text: only what remote_servers can name and ON CLUSTER can take unquoted. */
export function checkClusterName(cluster: string): string {
  if (!IDENTIFIER.test(cluster)) throw new Error(`invalid ClickHouse cluster name ${JSON.stringify(cluster)} (HELIX_CLICKHOUSE_CLUSTER): letters, digits and _, as in the servers' remote_servers`);
  return cluster;
}

/**
 * Client settings on a cluster. An insert into a Distributed table returns once every shard stored its rows, not when
 * they are queued on the node that took it: the sink commits Kafka offsets only after that, its check for ids already
 * stored sees everything inserted before, and a migration's back-fill is readable by the next statement.
 */
export const CLUSTER_CLIENT_SETTINGS = { insert_distributed_sync: 1 } as const;

/** Same event id, same shard: FINAL and insert deduplication work within one shard. Rollups are only written by views. */
const shardingKey = (body: string) => (/^\s*event_id\s/m.test(body) ? 'cityHash64(event_id)' : 'rand()');

const MERGE_TREE_ENGINE = /\bENGINE = (\w*)MergeTree\b(?:\(((?:[^()]|\([^()]*\))*)\))?/;

/** One Keeper path per shard and table; `{shard}` and `{replica}` are each node's macros. */
const replicatedEngine = (database: string, table: string) => (_: string, family: string, args = '') =>
  `ENGINE = Replicated${family}MergeTree('/clickhouse/tables/{shard}/${database}/${table}', '{replica}'${args.trim() ? `, ${args.trim()}` : ''})`;

/** Qualified table references after FROM or JOIN (every table a migration names is qualified). */
const TABLE_REFERENCE = /\b(FROM|JOIN)\s+(\w+)\.(\w+)\b/g;

/** Joins of distributed tables, except ARRAY JOIN (which joins a row with its own array). */
const DISTRIBUTED_JOIN = /(?<!\bARRAY\s+|\bGLOBAL\s+)\b(?:(?:LEFT|RIGHT|INNER|FULL|CROSS)\s+)?(?:(?:OUTER|ANY|ALL|SEMI|ANTI|ASOF)\s+)?JOIN\b/g;

/** Replicated tables remember recent inserts under their own setting (the single-server one would be ignored). */
const replicatedSettings = (sql: string) => sql.replaceAll('non_replicated_deduplication_window', 'replicated_deduplication_window');

/** ALTER operations that change columns, which the Distributed table must mirror; the rest concern storage. */
const COLUMN_ALTER = /^(ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN\b/;
/** The Distributed table never names a column its local tables lack: it gains columns after them, loses them before. */
const DISTRIBUTED_FIRST = /^DROP COLUMN\b/;

interface Form {
  match: RegExp;
  rewrite(m: RegExpExecArray, on: string, cluster: string): string[];
}

// Migrations are idempotent, so every form requires its IF [NOT] EXISTS (or OR REPLACE).
const FORMS: Form[] = [
  {
    match: /^CREATE DATABASE IF NOT EXISTS (\w+)$/,
    rewrite: ([statement], on) => [`${statement}${on}`],
  },
  {
    match: /^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+)(\s[\s\S]*)$/,
    rewrite: ([, db, table, body], on, cluster) => {
      const local = `${table}${LOCAL_SUFFIX}`;
      if (!MERGE_TREE_ENGINE.test(body!)) throw new Error(`cluster migrations replicate MergeTree tables only: ${db}.${table}`);
      return [
        `CREATE TABLE IF NOT EXISTS ${db}.${local}${on}${replicatedSettings(body!.replace(MERGE_TREE_ENGINE, replicatedEngine(db!, local)))}`,
        `CREATE TABLE IF NOT EXISTS ${db}.${table}${on} AS ${db}.${local} ENGINE = Distributed(${cluster}, ${db}, ${local}, ${shardingKey(body!)})`,
      ];
    },
  },
  {
    match: /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+\.\w+) TO (\w+\.\w+) AS\b([\s\S]*)$/,
    rewrite: ([, view, target, select], on) => [
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${view}${on} TO ${target}${LOCAL_SUFFIX} AS${select!.replace(TABLE_REFERENCE, `$1 $2.$3${LOCAL_SUFFIX}`)}`,
    ],
  },
  {
    match: /^(CREATE (?:OR REPLACE VIEW|VIEW IF NOT EXISTS) \w+\.\w+) AS\b([\s\S]*)$/,
    rewrite: ([, head, select], on) => [`${head}${on} AS${select!.replace(DISTRIBUTED_JOIN, 'GLOBAL $&')}`],
  },
  {
    // Through the Distributed tables, once, from the node that migrates.
    match: /^INSERT INTO /,
    rewrite: (m) => [m.input],
  },
  {
    match: /^ALTER TABLE (\w+\.\w+) ([\s\S]*)$/,
    rewrite: ([, table, operations], on) => {
      const local = `ALTER TABLE ${table}${LOCAL_SUFFIX}${on} ${replicatedSettings(operations!)}`;
      if (!COLUMN_ALTER.test(operations!)) return [local];
      const distributed = `ALTER TABLE ${table}${on} ${operations}`;
      return DISTRIBUTED_FIRST.test(operations!) ? [distributed, local] : [local, distributed];
    },
  },
  {
    match: /^DROP TABLE IF EXISTS (\w+\.\w+)$/,
    rewrite: ([, table], on) => [`DROP TABLE IF EXISTS ${table}${on}`, `DROP TABLE IF EXISTS ${table}${LOCAL_SUFFIX}${on}`],
  },
  {
    match: /^DROP VIEW IF EXISTS (\w+\.\w+)$/,
    rewrite: ([statement], on) => [`${statement}${on}`],
  },
];

/** The statements that do on `cluster` what `statement` does on one server (it has its placeholders filled in). */
export function clusterStatements(statement: string, cluster: string): string[] {
  const on = ` ON CLUSTER ${checkClusterName(cluster)}`;
  for (const form of FORMS) {
    const m = form.match.exec(statement);
    if (m) return form.rewrite(m, on, cluster);
  }
  throw new Error(`clickhouse/cluster-ddl.ts has no cluster form for this migration statement: ${statement.slice(0, 160)}`);
}
