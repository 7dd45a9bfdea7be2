// `helix sql` with CLICKHOUSE_URL: it logs in as a read-only user of its own (SELECT on the Helix database, readonly
// and limits as constraints), derived from the master key, and runs the same ClickHouse-parsed checks as the embedded
// endpoint. The server here is stack/clickhouse-server.ts (chdb behind ClickHouse's HTTP interface), which has no
// users: the statements that create the user are checked by ClickHouse's parser, the checks by running queries.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startClickhouseServer } from '../../stack/clickhouse-server.ts';
import { freePort } from '../../stack/ports.ts';
import { runtimeEnv } from '../../lib/config.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../clickhouse/store.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { createAnalyticsReader } from '../../clickhouse/reader.ts';
import { DEFAULT_SQL_LIMITS } from '../../clickhouse/sql-limits.ts';
import { sqlReaderPassword, sqlReaderStatements, sqlReaderUser } from '../../clickhouse/sql-reader-user.ts';

const MASTER = 'sk-sql-reader-master';
const DATABASE = 'helix_reader';

let server: Awaited<ReturnType<typeof startClickhouseServer>>;
let admin: AnalyticsStore;
let env: ReturnType<typeof runtimeEnv>;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'helix-sql-reader-'));
  server = await startClickhouseServer({ port: await freePort(), path: join(dir, 'clickhouse') });
  env = runtimeEnv({ CLICKHOUSE_URL: server.url, HELIX_CLICKHOUSE_DATABASE: DATABASE, HELIX_MASTER_KEY: MASTER, HELIX_DATA_DIR: dir });
  admin = await openAnalyticsStore(env);
  await migrate(admin.client, { database: DATABASE });
  await admin.client.insert({
    table: `${DATABASE}.responses`,
    values: ['gpt-4o', 'gpt-4o', 'mock/echo'].map((model, i) => ({ event_id: randomUUID(), ts: new Date().toISOString(), request_id: `r${i}`, model })),
    format: 'JSONEachRow',
  });
});

after(async () => {
  await admin?.close();
  await server?.close();
});

void describe('the read-only ClickHouse user', () => {
  void it('gets SELECT on the Helix database only, readonly = 2 and every limit as a constant', async () => {
    const statements = sqlReaderStatements(DATABASE, sqlReaderPassword(MASTER), DEFAULT_SQL_LIMITS);
    const user = sqlReaderUser(DATABASE);
    assert.equal(user, 'helix_reader_sql_reader');
    for (const statement of statements) {
      // ClickHouse's own parser accepts each statement (formatQuery parses without running).
      const rs = await admin.client.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: statement }, format: 'JSONEachRow' });
      assert.equal((await rs.json<{ f: string }>()).length, 1, statement);
    }
    const [create, alter, grant] = statements;
    assert.match(create!, new RegExp(`^CREATE USER IF NOT EXISTS ${user} IDENTIFIED WITH sha256_password BY '[0-9a-f]{64}' DEFAULT DATABASE ${DATABASE} SETTINGS readonly = 2, `));
    assert.equal(alter, create!.replace('CREATE USER IF NOT EXISTS', 'ALTER USER'));
    for (const limit of ["max_execution_time = 30 CONST", 'max_result_rows = 100000 CONST', `max_result_bytes = ${64 * 1024 * 1024} CONST`, "result_overflow_mode = 'throw' CONST", `max_memory_usage = ${1024 ** 3} CONST`]) {
      assert.ok(create!.includes(limit), limit);
    }
    assert.equal(grant, `GRANT SELECT ON ${DATABASE}.* TO ${user} WITH REPLACE OPTION`);
    assert.equal(statements.length, 3);
    assert.throws(() => sqlReaderStatements('helix; DROP USER default', 'x', DEFAULT_SQL_LIMITS), /invalid database name/);
  });

  void it('has a password derived from the master key, not the key itself', () => {
    const password = sqlReaderPassword(MASTER);
    assert.match(password, /^[0-9a-f]{64}$/);
    assert.equal(sqlReaderPassword(MASTER), password);
    assert.notEqual(sqlReaderPassword(`${MASTER}x`), password);
    assert.ok(!password.includes(MASTER));
  });
});

void describe('helix sql against a ClickHouse server', () => {
  void it('answers reads of the Helix database', async () => {
    const reader = await createAnalyticsReader(env);
    try {
      const result = await reader.query(`SELECT model, count() AS n FROM ${DATABASE}.responses GROUP BY model ORDER BY model`);
      assert.deepEqual(result.data, [
        { model: 'gpt-4o', n: 2 },
        { model: 'mock/echo', n: 1 },
      ]);
      assert.deepEqual((await reader.query('SELECT count() AS n FROM v_requests')).data, [{ n: 3 }]);
    } finally {
      await reader.close();
    }
  });

  void it('refuses what the embedded endpoint refuses', async () => {
    const reader = await createAnalyticsReader(env);
    try {
      const refused: Array<[string, RegExp]> = [
        ["SELECT * FROM file/**/('/etc/os-release', 'LineAsString')", /file\(\) is not allowed/],
        ["SELECT file('/etc/os-release')", /file\(\) is not allowed/],
        ['SELECT * FROM system.processes', /system\.processes is not readable/],
        [`INSERT INTO ${DATABASE}.responses (model) VALUES ('x')`, /only read queries/],
        [`DROP TABLE ${DATABASE}.responses`, /only read queries/],
        ["SELECT 1 INTO OUTFILE '/tmp/helix-reader-out'", /INTO OUTFILE/],
        ['SELECT 1; SELECT 2', /Multi-statements are not allowed/],
      ];
      for (const [query, reason] of refused) await assert.rejects(reader.query(query), reason, query);
      assert.deepEqual((await reader.query(`SELECT count() AS n FROM ${DATABASE}.responses`)).data, [{ n: 3 }]);
    } finally {
      await reader.close();
    }
  });

  void it('needs the master key', async () => {
    const reader = await createAnalyticsReader({ ...env, masterKey: undefined });
    try {
      await assert.rejects(reader.query('SELECT 1'), /HELIX_MASTER_KEY/);
      assert.equal(await reader.ping(), true);
    } finally {
      await reader.close();
    }
  });
});
