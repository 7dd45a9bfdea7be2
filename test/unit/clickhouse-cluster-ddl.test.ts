// Migrations on a ClickHouse cluster (HELIX_CLICKHOUSE_CLUSTER, clickhouse/cluster-ddl.ts), judged by ClickHouse
// itself through the embedded engine, since no ClickHouse server cluster runs here: every generated statement parses;
// every CREATE/ALTER/DROP runs ON CLUSTER; every table is Replicated, with a Distributed table over it; materialized
// views read and write the local tables and views the Distributed ones; ClickHouse accepts each Replicated definition
// (against its in-process test Keeper). Then, on a one-shard cluster from a config file, the migrations run through
// migrate() the way each node's DDL worker runs them (ON CLUSTER removed; without replication, as a test Keeper
// cannot replicate), the sink writes through the Distributed tables, rollups fill once, and `helix sql` reads the views.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { ledgerStatements, listMigrations, migrate, migrationStatements, type MigrateOptions } from '../../clickhouse/migrate.ts';
import { clusterStatements, CLUSTER_CLIENT_SETTINGS } from '../../clickhouse/cluster-ddl.ts';
import { CLIENT_SETTINGS, openAnalyticsStore, type AnalyticsStore } from '../../clickhouse/store.ts';
import { clickhouseSink } from '../../clickhouse/sink.ts';
import { openSqlSession, type SqlSession } from '../../clickhouse/sql-session.ts';
import { DEFAULT_SQL_LIMITS } from '../../clickhouse/sql-limits.ts';
import type { HelixEvent } from '../../schemas/events.ts';
import { repoRoot } from '../../lib/paths.ts';
import { requestsQueries } from '../../gateway/dashboard/queries-requests.ts';

const CLUSTER = 'helix_cluster';
const DB = 'helix';
const SINGLE: MigrateOptions = { database: DB, retentionDays: 90 };
const ON_CLUSTER: MigrateOptions = { ...SINGLE, cluster: CLUSTER };

// One shard of one replica, on this very engine (localhost at the configured tcp_port is "local": nothing listens).
const CONFIG = `<clickhouse>
  <tcp_port>9000</tcp_port>
  <remote_servers><${CLUSTER}><shard><replica><host>localhost</host><port>9000</port></replica></shard></${CLUSTER}></remote_servers>
  <macros><shard>01</shard><replica>node1</replica></macros>
  <zookeeper><implementation>testkeeper</implementation></zookeeper>
</clickhouse>
`;

const setOf = (opts: MigrateOptions) => [...ledgerStatements(opts), ...listMigrations().flatMap((m) => migrationStatements(m, opts))];
const clusterSet = setOf(ON_CLUSTER);
const singleSet = setOf(SINGLE);

/** What each node's DDL worker runs of an ON CLUSTER statement. */
const onOneNode = (sql: string) => sql.replace(` ON CLUSTER ${CLUSTER}`, '');
/** The same without replication (no Keeper here that replicates): Replicated*MergeTree(path, replica[, args]) → *MergeTree(args). */
const unreplicated = (sql: string) => onOneNode(sql).replace(/ENGINE = Replicated(\w*MergeTree)\('[^']*', '[^']*'(?:, )?/, 'ENGINE = $1(');

interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>;
  queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<{ json<T>(): T }>;
  close(): void;
}

let dir: string;
let path: string;
let session: ChdbSession;
let client: ClickHouseClient;
let sqlSession: SqlSession | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'helix-cluster-ddl-'));
  path = join(dir, 'clickhouse');
  const config = join(dir, 'config.xml');
  writeFileSync(config, CONFIG);
  // chdb runs one engine per process: the first session's config is the engine's, later sessions share it.
  const { Session } = (await import('chdb')) as unknown as { Session: new (path: string, opts: { connectionArgs: string[] }) => ChdbSession };
  session = new Session(path, { connectionArgs: [`--config-file=${config}`] });
  client = createClient({ connection: createChdbConnection({ path }), clickhouse_settings: { ...CLIENT_SETTINGS, ...CLUSTER_CLIENT_SETTINGS } } as Parameters<typeof createClient>[0]);
});

after(async () => {
  sqlSession?.close();
  await client?.close();
  session?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** ClickHouse's own parse of a statement, printed back in its canonical form (throws on a syntax error). */
async function formatted(sql: string): Promise<string> {
  const answer = await session.queryBindAsync('SELECT formatQuery({q:String}) AS f', { q: sql }, { format: 'JSON' });
  return answer.json<{ data: Array<{ f: string }> }>().data[0]!.f;
}

/** The tables a statement reads, from ClickHouse's parse of it. */
async function tableIdentifiers(sql: string): Promise<string[]> {
  const ast = (await session.queryAsync(`EXPLAIN AST ${sql}`, { format: 'TSVRaw' })).text();
  return [...ast.matchAll(/TableIdentifier (\S+)/g)].map((m) => m[1]!);
}

async function jsonRows<T>(sql: string, params: object): Promise<T[]> {
  return (await session.queryBindAsync(sql, params, { format: 'JSON' })).json<{ data: T[] }>().data;
}

const singleTables = () =>
  singleSet.flatMap((s) => {
    const m = /^CREATE TABLE IF NOT EXISTS helix\.(\w+)[\s\S]*?\bENGINE = (\w+)/.exec(s);
    return m ? [{ table: m[1]!, engine: m[2]!, hasEventId: /^\s*event_id\s/m.test(s) }] : [];
  });

void describe('cluster migrations (generated DDL, checked by ClickHouse)', () => {
  void it('every statement of the cluster migration set parses with ClickHouse’s own parser', async () => {
    assert.ok(clusterSet.length > singleSet.length, `${clusterSet.length} cluster statements for ${singleSet.length} single-server ones`);
    const failures: string[] = [];
    for (const sql of clusterSet) await formatted(sql).catch((err: Error) => failures.push(`${sql.slice(0, 100)}\n  → ${err.message.slice(0, 300)}`));
    assert.deepEqual(failures, []);
  });

  void it('runs every CREATE, ALTER and DROP ON CLUSTER; only the back-fills (INSERT … SELECT) do not, and they write Distributed tables', async () => {
    for (const sql of clusterSet) {
      const text = await formatted(sql);
      if (/^INSERT INTO /.test(text)) {
        assert.match(text, /^INSERT INTO helix\.\w+(?<!_local)\s/, text.slice(0, 100));
        continue;
      }
      assert.match(text, /^(CREATE|ALTER|DROP) /, text.slice(0, 100));
      assert.match(text, new RegExp(`^[^\\n]* ON CLUSTER ${CLUSTER}\\b`), text.slice(0, 100));
    }
  });

  void it('makes every table a Replicated engine under its own Keeper path, named <table>_local, with a Distributed <table> over it', async () => {
    const tables = singleTables();
    assert.ok(tables.some((t) => t.table === 'schema_migrations'), 'the migrations ledger is one of them');
    assert.ok(tables.some((t) => t.engine === 'AggregatingMergeTree') && tables.some((t) => t.engine === 'ReplacingMergeTree'));
    const texts = await Promise.all(clusterSet.map(formatted));
    for (const { table, engine, hasEventId } of tables) {
      const local = texts.filter((t) => t.startsWith(`CREATE TABLE IF NOT EXISTS helix.${table}_local ON CLUSTER ${CLUSTER}\n`));
      assert.equal(local.length, 1, `${table}_local is created once`);
      assert.ok(local[0]!.includes(`ENGINE = Replicated${engine}('/clickhouse/tables/{shard}/helix/${table}_local', '{replica}')`), local[0]);
      const key = hasEventId ? 'cityHash64(event_id)' : 'rand()';
      const distributed = `CREATE TABLE IF NOT EXISTS helix.${table} ON CLUSTER ${CLUSTER} AS helix.${table}_local\nENGINE = Distributed(${CLUSTER}, helix, ${table}_local, ${key})`;
      assert.ok(texts.includes(distributed), `no Distributed ${table}:\n${distributed}`);
      if (/SETTINGS non_replicated_deduplication_window/.test(singleSet.find((s) => s.includes(`helix.${table}\n`)) ?? '')) {
        assert.match(local[0]!, /replicated_deduplication_window = 1000/);
      }
    }
    const engines = texts.flatMap((t) => [...t.matchAll(/ENGINE = (\w+)/g)].map((m) => m[1]!));
    assert.deepEqual(engines.filter((e) => e !== 'Distributed' && !/^Replicated\w*MergeTree$/.test(e)), [], 'an engine that is neither Replicated nor Distributed');
  });

  void it('points materialized views at the local tables and views at the Distributed ones, joining with GLOBAL', async () => {
    const tables = new Set(singleTables().map((t) => t.table));
    let views = 0;
    let globalJoins = 0;
    for (const sql of clusterSet) {
      const text = await formatted(sql);
      const mv = /^CREATE MATERIALIZED VIEW IF NOT EXISTS helix\.\w+ ON CLUSTER \w+ TO helix\.(\w+)/.exec(text);
      if (mv) {
        assert.match(mv[1]!, /_local$/, text.slice(0, 120));
        for (const source of await tableIdentifiers(sql)) assert.match(source, /^helix\.\w+_local$/, `${text.slice(0, 80)} reads ${source}`);
        continue;
      }
      if (!/^CREATE (OR REPLACE )?VIEW /.test(text)) continue;
      views++;
      for (const source of await tableIdentifiers(sql)) {
        const name = source.replace(/^helix\./, '');
        assert.ok(tables.has(name) || name.startsWith('v_'), `${text.slice(0, 80)} reads ${source}`);
      }
      for (const join of text.matchAll(/^.*\bJOIN\b.*$/gm)) {
        assert.match(join[0], /^\s*GLOBAL /, `a join in ${text.slice(0, 60)} is not GLOBAL: ${join[0]}`);
        globalJoins++;
      }
    }
    assert.ok(views >= 15, `${views} views`);
    assert.ok(globalJoins >= 4, `${globalJoins} GLOBAL joins (v_requests, v_anomalies)`);
  });

  void it('keeps each engine’s parameters, knows the forms migrations use, and refuses the rest', async () => {
    const [local] = clusterStatements('CREATE TABLE IF NOT EXISTS helix.t (id UInt64, v UInt64, a UInt8, b UInt8) ENGINE = ReplacingMergeTree(v) ORDER BY id', CLUSTER);
    assert.match(local!, /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/helix\/t_local', '\{replica\}', v\)/);
    const [summing] = clusterStatements('CREATE TABLE IF NOT EXISTS helix.s (k String, a UInt64, b UInt64) ENGINE = SummingMergeTree((a, b)) ORDER BY k', CLUSTER);
    assert.match(summing!, /ENGINE = ReplicatedSummingMergeTree\('[^']+', '\{replica\}', \(a, b\)\)/);
    assert.deepEqual(clusterStatements('DROP TABLE IF EXISTS helix.t', CLUSTER), [`DROP TABLE IF EXISTS helix.t ON CLUSTER ${CLUSTER}`, `DROP TABLE IF EXISTS helix.t_local ON CLUSTER ${CLUSTER}`]);
    assert.deepEqual(clusterStatements('DROP VIEW IF EXISTS helix.v_x', CLUSTER), [`DROP VIEW IF EXISTS helix.v_x ON CLUSTER ${CLUSTER}`]);
    assert.deepEqual(clusterStatements('ALTER TABLE helix.t MODIFY TTL ts + INTERVAL 7 DAY', CLUSTER), [`ALTER TABLE helix.t_local ON CLUSTER ${CLUSTER} MODIFY TTL ts + INTERVAL 7 DAY`]);
    assert.deepEqual(clusterStatements('ALTER TABLE helix.t DROP COLUMN IF EXISTS a', CLUSTER), [
      `ALTER TABLE helix.t ON CLUSTER ${CLUSTER} DROP COLUMN IF EXISTS a`,
      `ALTER TABLE helix.t_local ON CLUSTER ${CLUSTER} DROP COLUMN IF EXISTS a`,
    ]);
    for (const sql of [local!, summing!]) await formatted(sql);
    assert.throws(() => clusterStatements('RENAME TABLE helix.a TO helix.b', CLUSTER), /cluster-ddl\.ts has no cluster form/);
    assert.throws(() => clusterStatements('CREATE TABLE IF NOT EXISTS helix.m (a UInt8) ENGINE = Memory', CLUSTER), /MergeTree tables only/);
    assert.throws(() => clusterStatements('CREATE DATABASE IF NOT EXISTS helix', 'c; DROP DATABASE helix'), /invalid ClickHouse cluster name/);
    await assert.rejects(openAnalyticsStore({ clickhouseUrl: undefined, clickhouseDatabase: DB, dataDir: dir, clickhouseCluster: CLUSTER }), /HELIX_CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL/);
  });

  void it('has each Replicated definition accepted by ClickHouse: Keeper path, macros, version, TTL and settings', async () => {
    const db = 'helix_replicated';
    const creates = setOf({ ...ON_CLUSTER, database: db }).filter((s) => /^CREATE (DATABASE|TABLE) /.test(s));
    try {
      for (const sql of creates) await session.queryAsync(onOneNode(sql));
      const replicas = await jsonRows<{ table: string; zookeeper_path: string; replica_name: string }>(
        'SELECT table, zookeeper_path, replica_name FROM system.replicas WHERE database = {db:String} ORDER BY table',
        { db },
      );
      assert.deepEqual(replicas.map((r) => r.table), singleTables().map((t) => `${t.table}_local`).sort());
      for (const r of replicas) {
        assert.equal(r.zookeeper_path, `/clickhouse/tables/01/${db}/${r.table}`);
        assert.equal(r.replica_name, 'node1');
      }
    } finally {
      // Replicated tables the test Keeper holds would keep the engine from shutting down.
      await session.queryAsync(`DROP DATABASE IF EXISTS ${db} SYNC`);
    }
  });
});

void describe('on a one-shard cluster in chdb', () => {
  const requestIds = ['req-a', 'req-b'];
  const now = new Date().toISOString();
  const events = requestIds.flatMap((request_id, i) => {
    const response = randomUUID();
    const head = { ts: now, request_id, key_id: 'key_1', team_id: 'team_1', user_id: '', model: 'gpt-4o', provider: 'openai', deployment: 'gpt-4o-dep', endpoint: 'chat.completions' };
    return [
      { ...head, event_id: randomUUID(), type: 'request', schema_version: 1, message_count: 1, prompt_chars: 10 },
      { ...head, event_id: response, type: 'response', schema_version: 1, status: 'ok', http_status: 200, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, total_ms: 100 + i },
      { ...head, event_id: randomUUID(), type: 'ledger', schema_version: 1, source_event_id: response, source: 'response', requested_model: 'gpt-4o', prompt_tokens: 10, completion_tokens: 5, cost_usd: 0.25 * (i + 1), price_source: 'config' },
    ];
  });
  const batch = events.map((value, offset) => ({ value: value as unknown as HelixEvent, topic: 't', partition: 0, offset: String(offset) }));

  // migrate() as it runs against a cluster, each statement executed as every node's DDL worker would (see above).
  const asEveryNode = (): ClickHouseClient =>
    ({
      command: (p: Parameters<ClickHouseClient['command']>[0]) => client.command({ ...p, query: unreplicated(p.query) }),
      query: client.query.bind(client),
      insert: client.insert.bind(client),
    }) as unknown as ClickHouseClient;

  const rows = async <T>(query: string) => (await client.query({ query, format: 'JSONEachRow' })).json<T>();

  void it('applies the migrations once, recording them in the ledger behind its Distributed table', async () => {
    const first = await migrate(asEveryNode(), ON_CLUSTER);
    assert.equal(first.applied.length, listMigrations().length);
    assert.deepEqual(await migrate(asEveryNode(), ON_CLUSTER), { applied: [] });
    const [ledger] = await rows<{ n: number }>('SELECT count() AS n FROM helix.schema_migrations_local');
    assert.equal(Number(ledger!.n), listMigrations().length);
  });

  void it('refuses a database first migrated for one server, whose tables are not the cluster’s', async () => {
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS helix_single' });
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS helix_single.schema_migrations (version UInt32, name String, checksum String) ENGINE = ReplacingMergeTree ORDER BY version' });
    await assert.rejects(migrate(asEveryNode(), { ...ON_CLUSTER, database: 'helix_single' }), /helix_single was migrated for a single ClickHouse server/);
  });

  void it('the sink writes through the Distributed tables, and a redelivered batch changes nothing', async () => {
    const store: AnalyticsStore = { client, embedded: true, database: DB, close: async () => undefined };
    await clickhouseSink(store).write(batch);
    await clickhouseSink(store).write(batch);
    const [local] = await rows<{ n: number }>('SELECT count() AS n FROM helix.responses_local');
    assert.equal(Number(local!.n), 2, 'responses landed in the shard’s local table once each');
    const [usage] = await rows<{ requests: number; tokens: number }>('SELECT sum(requests) AS requests, sum(total_tokens) AS tokens FROM helix.v_usage_1m');
    assert.deepEqual({ requests: Number(usage!.requests), tokens: Number(usage!.tokens) }, { requests: 2, tokens: 30 });
    const [spend] = await rows<{ cost: number }>('SELECT toFloat64(sum(cost_usd)) AS cost FROM helix.v_spend_daily');
    assert.equal(spend!.cost, 0.75);
  });

  void it('helix sql reads the views over the Distributed tables (and the dashboard its request log), runs every example of docs/sql.md, and still refuses other databases', async () => {
    // A Distributed table over another database reads outside Helix's: the SQL surface must refuse it like any such table.
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS other' });
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS other.secrets (s String) ENGINE = MergeTree ORDER BY s' });
    await client.command({ query: `CREATE TABLE IF NOT EXISTS helix.d_other AS other.secrets ENGINE = Distributed(${CLUSTER}, other, secrets)` });
    sqlSession = await openSqlSession({ path, database: DB, limits: DEFAULT_SQL_LIMITS });
    const answer = await sqlSession.run('SELECT request_id, toFloat64(cost_usd) AS cost, message_count FROM v_requests ORDER BY request_id');
    assert.deepEqual(answer.data, [
      { request_id: 'req-a', cost: 0.25, message_count: 1 },
      { request_id: 'req-b', cost: 0.5, message_count: 1 },
    ]);
    const log = await sqlSession.run(requestsQueries.requests, { q: '', range: '3600', page: '0' });
    assert.deepEqual(log.data.map((r) => r.request_id).sort(), requestIds, 'the dashboard’s request log');
    const examples = [...readFileSync(join(repoRoot, 'docs/sql.md'), 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(examples.length >= 10, `found ${examples.length} examples`);
    for (const example of examples) await sqlSession.run(example);
    await assert.rejects(sqlSession.run('SELECT * FROM d_other'), /reads outside the helix database/);
  });
});
