// The embedded store's SQL endpoint (clickhouse/query-server.ts) on real chdb: it answers ordinary reads of the
// Helix database, refuses every way found to read or write anything else (host files, other databases, sensitive
// system tables, writes, settings) with a 4xx in its error shape, bounds each query by ClickHouse limits without
// holding up ingestion, and answers nothing at all without the master key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { openAnalyticsStore, type AnalyticsStore } from '../../clickhouse/store.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { startQueryServer } from '../../clickhouse/query-server.ts';
import type { SqlLimits } from '../../clickhouse/sql-limits.ts';
import { freePort } from '../../stack/ports.ts';
import { repoRoot } from '../../lib/paths.ts';

const MASTER = 'sk-sql-endpoint-master';
const SECRET = `sk-provider-${randomUUID()}`;
const LIMITS: SqlLimits = { maxExecutionSeconds: 2, maxResultRows: 1_000, maxResultBytes: 4_000_000, maxMemoryBytes: 300_000_000 };

interface Answer {
  status: number;
  body: { data?: Array<Record<string, unknown>>; error?: { message: string; type: string; code: string } };
  ms: number;
}

let dir: string;
let store: AnalyticsStore;
let server: FastifyInstance;
let url: string;
let secretFile: string;
let outFile: string;

/** `key` null sends no Authorization header. */
async function sql(query: string, key: string | null = MASTER, base = url): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${base}/v1/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== null ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'], ms: performance.now() - started };
}

const rows = async (query: string) => {
  const a = await sql(query);
  assert.equal(a.status, 200, `${query}\n${JSON.stringify(a.body).slice(0, 500)}`);
  return a.body.data!;
};

/** Refused in the endpoint's error shape, and nothing of the secret file in the answer. */
function assertRefused(a: Answer, query: string, code?: string): void {
  const shown = `${query}\n→ ${a.status} ${JSON.stringify(a.body).slice(0, 500)}`;
  assert.ok(a.status >= 400 && a.status < 500, shown);
  assert.equal(typeof a.body.error?.message, 'string', shown);
  assert.ok(a.body.error!.message.length > 0, shown);
  if (code) assert.equal(a.body.error?.code, code, shown);
  assert.ok(!JSON.stringify(a.body).includes(SECRET), `the secret leaked: ${shown}`);
  assert.equal(a.body.data, undefined, shown);
}

const responseCount = async () => Number((await (await store.client.query({ query: 'SELECT count() AS n FROM helix.responses', format: 'JSONEachRow' })).json<{ n: number }>())[0]!.n);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'helix-sql-endpoint-'));
  secretFile = join(dir, 'helix.env');
  outFile = join(dir, 'out.txt');
  writeFileSync(secretFile, `HELIX_MASTER_KEY=${SECRET}\n`);
  store = await openAnalyticsStore({ clickhouseUrl: undefined, clickhouseDatabase: 'helix', dataDir: dir });
  await migrate(store.client, { database: 'helix' });
  const models = ['gpt-4o', 'gpt-4o', 'claude-3-5-sonnet'];
  await store.client.insert({
    table: 'helix.responses',
    values: models.map((model, i) => ({ event_id: randomUUID(), ts: new Date().toISOString(), request_id: `req-${i}`, model, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })),
    format: 'JSONEachRow',
  });
  // What an administrator (not the SQL surface) could have created in the Helix database: objects that read the file.
  await store.client.command({ query: `CREATE VIEW helix.v_file_table AS SELECT * FROM file('${secretFile}', 'LineAsString')` });
  await store.client.command({ query: `CREATE VIEW helix.v_file_scalar AS SELECT file('${secretFile}') AS line` });
  await store.client.command({ query: 'CREATE VIEW helix.v_over_file AS SELECT * FROM helix.v_file_scalar' });
  await store.client.command({
    query: `CREATE DICTIONARY helix.d_file (line String) PRIMARY KEY line SOURCE(FILE(path '${secretFile}' format 'LineAsString')) LAYOUT(COMPLEX_KEY_HASHED()) LIFETIME(0)`,
  });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = await startQueryServer(store, { port, masterKey: MASTER, limits: LIMITS, maxWaiting: 1 });
});

after(async () => {
  await server?.close();
  await store?.close();
});

void describe('the SQL endpoint answers reads of the Helix database', () => {
  void it('groups responses by model, with qualified and unqualified names', async () => {
    assert.deepEqual(await rows('SELECT model, count() AS n FROM helix.responses GROUP BY model ORDER BY model'), [
      { model: 'claude-3-5-sonnet', n: 1 },
      { model: 'gpt-4o', n: 2 },
    ]);
    assert.deepEqual(await rows('SELECT count() AS n FROM responses'), [{ n: 3 }]);
    assert.deepEqual(await rows('select sum(total_tokens) as t from v_requests; '), [{ t: 45 }]);
  });

  void it('runs every example query of docs/sql.md', async () => {
    const examples = [...readFileSync(join(repoRoot, 'docs/sql.md'), 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(examples.length >= 10, `found ${examples.length} examples`);
    for (const example of examples) await rows(example);
  });

  void it('lists and describes the schema', async () => {
    assert.ok((await rows('SHOW TABLES')).some((r) => r.name === 'v_requests'));
    assert.ok((await rows('DESCRIBE v_requests')).some((r) => r.name === 'cost_usd'));
    assert.ok((await rows("SELECT name FROM system.columns WHERE database = 'helix' AND table = 'v_usage_daily'")).some((r) => r.name === 'p95_ms'));
    assert.ok((await rows("SELECT table_name FROM INFORMATION_SCHEMA.TABLES WHERE table_schema = 'helix'")).some((r) => r.table_name === 'responses'));
    assert.ok((await rows('EXPLAIN SELECT count() FROM responses')).length > 0);
    assert.deepEqual(await rows('SELECT number FROM numbers(2)'), [{ number: 0 }, { number: 1 }]);
  });

  void it('shows that ClickHouse runs it read-only, with the limits', async () => {
    assert.deepEqual(await rows("SELECT getSetting('readonly') AS readonly, getSetting('max_execution_time') AS seconds"), [{ readonly: 1, seconds: LIMITS.maxExecutionSeconds }]);
  });
});

void describe('the SQL endpoint refuses everything outside the Helix database', () => {
  const fileReads = () => {
    const f = secretFile;
    return [
      `SELECT * FROM file('${f}', 'LineAsString')`,
      `SELECT * FROM \`file\`('${f}', 'LineAsString')`,
      `SELECT * FROM "file"('${f}', 'LineAsString')`,
      `SELECT * FROM file/**/('${f}', 'LineAsString')`,
      `SELECT * FROM file -- comment\n('${f}', 'LineAsString')`,
      `SELECT * FROM file # comment\n('${f}', 'LineAsString')`,
      `select/**/*/**/from/**/FILE('${f}','LineAsString')`,
      `SELECT *\nFROM\n\tfile\n(\n'${f}'\n,\n'LineAsString'\n)`,
      `SELECT file('${f}')`,
      `SELECT File('${f}')`,
      `SELECT * FROM ｆｉｌｅ('${f}', 'LineAsString')`,
      `SELECT * FROM fіle('${f}', 'LineAsString')`,
      `SELECT * FROM helix.responses WHERE model IN (SELECT line FROM file('${f}', 'LineAsString'))`,
      `WITH s AS (SELECT * FROM file('${f}', 'LineAsString')) SELECT * FROM s`,
      `SELECT * FROM helix.responses AS r LEFT JOIN file('${f}', 'LineAsString') AS x ON 1 = 1`,
      `SELECT model FROM helix.responses UNION ALL SELECT * FROM file('${f}', 'LineAsString')`,
      `SELECT (SELECT file('${f}')) AS line`,
      `SELECT arrayMap(p -> file(p), ['${f}'])`,
      `SELECT * FROM view(SELECT file('${f}'))`,
      `SELECT * FROM numbers(1) WHERE (SELECT count() FROM (SELECT * FROM file('${f}', 'LineAsString'))) > 0`,
      `DESCRIBE (SELECT file('${f}'))`,
      `EXPLAIN SYNTAX SELECT * FROM file('${f}', 'LineAsString')`,
      `SELECT * FROM default.\`${f}\``,
      `SELECT * FROM \`${f}\``,
      `SELECT * FROM format(LineAsString, '${f}')`,
    ];
  };

  void it('reads no host file, however the query is spelled', async () => {
    for (const query of fileReads()) assertRefused(await sql(query), query);
  });

  void it('reaches no other server or program', async () => {
    for (const query of [
      "SELECT * FROM url('http://127.0.0.1:9/x', 'LineAsString')",
      "SELECT * FROM remote('127.0.0.1', system.one)",
      "SELECT * FROM remoteSecure('127.0.0.1', system.one)",
      "SELECT * FROM s3('http://127.0.0.1:9/bucket/key', 'LineAsString')",
      "SELECT * FROM hdfs('hdfs://127.0.0.1:9/x', 'LineAsString')",
      "SELECT * FROM executable('cat /etc/os-release', 'LineAsString', 'line String')",
      "SELECT * FROM mysql('127.0.0.1:9', 'db', 't', 'u', 'p')",
      "SELECT * FROM postgresql('127.0.0.1:9', 'db', 't', 'u', 'p')",
      "SELECT * FROM sqlite('/etc/os-release', 't')",
      "SELECT * FROM cluster('default', system.one)",
      "SELECT * FROM input('line String')",
      "SELECT hasColumnInTable('127.0.0.1', 'system', 'one', 'dummy')",
    ]) {
      assertRefused(await sql(query), query);
    }
  });

  void it('refuses objects of the Helix database that read outside it: views, dictionaries, joins', async () => {
    for (const query of [
      'SELECT * FROM v_file_table',
      'SELECT * FROM helix.v_file_scalar',
      'SELECT * FROM v_over_file',
      "SELECT model FROM responses WHERE model IN (SELECT line FROM helix.v_file_scalar)",
      'SELECT * FROM helix.d_file',
      "SELECT dictGet('helix.d_file', 'line', tuple('x'))",
      "SELECT dictGetOrDefault('helix.d_file', 'line', tuple('x'), '')",
      "SELECT dictHas('helix.d_file', tuple('x'))",
      "SELECT * FROM dictionary('helix.d_file')",
      "SELECT joinGet('helix.j', 'v', 1)",
    ]) {
      assertRefused(await sql(query), query);
    }
  });

  void it('reads only the schema-describing system tables and no other database', async () => {
    for (const table of ['processes', 'server_settings', 'disks', 'users', 'grants', 'build_options', 'macros', 'named_collections', 'dictionaries', 'query_log', 'stack_trace']) {
      assertRefused(await sql(`SELECT * FROM system.${table}`), table, 'read_only');
    }
    for (const query of [
      'SELECT * FROM system . processes',
      'SELECT * FROM "system"."processes"',
      'SELECT * FROM `system`.`processes`',
      'SELECT query FROM system.one, system.processes',
      'SELECT * FROM helix.responses WHERE model IN system.processes',
      "SELECT * FROM merge('system', '^processes$')",
      "SELECT * FROM merge(REGEXP('.*'), '.*')",
      'SELECT * FROM default.anything',
      'SHOW TABLES FROM system',
      'SHOW PROCESSLIST',
    ]) {
      assertRefused(await sql(query), query);
    }
  });

  void it('writes nothing: no DDL, DML, SYSTEM, grants, files or settings', async () => {
    const before = await responseCount();
    for (const query of [
      "INSERT INTO helix.responses (model) VALUES ('x')",
      "INSERT INTO FUNCTION file('/tmp/helix-sql-endpoint.csv') SELECT 1",
      'ALTER TABLE helix.responses DELETE WHERE 1',
      'ALTER TABLE helix.responses DROP COLUMN model',
      'DROP TABLE helix.responses',
      'DROP DATABASE helix',
      'CREATE TABLE helix.x (a UInt8) ENGINE = Memory',
      "CREATE VIEW helix.v_x AS SELECT * FROM file('/etc/os-release', 'LineAsString')",
      'CREATE TEMPORARY TABLE t (a UInt8)',
      "CREATE FUNCTION f AS x -> file(x)",
      'ATTACH TABLE helix.x',
      'DETACH TABLE helix.responses',
      'RENAME TABLE helix.responses TO helix.gone',
      'EXCHANGE TABLES helix.responses AND helix.requests',
      'TRUNCATE TABLE helix.responses',
      'OPTIMIZE TABLE helix.responses FINAL',
      'SYSTEM SHUTDOWN',
      'SYSTEM DROP DNS CACHE',
      'KILL QUERY WHERE 1',
      'GRANT ALL ON *.* TO default',
      "BACKUP TABLE helix.responses TO File('/tmp/helix-backup')",
      'USE default',
      'SET readonly = 0',
      'SELECT 1 SETTINGS readonly = 0',
      'SELECT 1 SETTINGS max_execution_time = 0',
      `SELECT 1 FORMAT Template SETTINGS format_template_resultset = '${secretFile}'`,
      `SELECT model FROM helix.responses INTO OUTFILE '${outFile}'`,
      `SELECT model FROM helix.responses INTO OUTFILE '${outFile}' AND STDOUT`,
      `SELECT model FROM helix.responses INTO OUTFILE '${outFile}' FORMAT CSV`,
      `SHOW TABLES INTO OUTFILE '${outFile}'`,
      `DESCRIBE helix.responses INTO OUTFILE '${outFile}'`,
      `EXPLAIN SELECT 1 INTO OUTFILE '${outFile}'`,
      'SELECT model FROM helix.responses FORMAT CSV',
      'EXPLAIN AST DROP TABLE helix.responses',
      'SELECT 1; DROP TABLE helix.responses',
      'SELECT 1;DROP TABLE helix.responses;',
      "SELECT 1; SELECT * FROM file('/etc/os-release', 'LineAsString')",
      'SELECT 1 AS `x\n  Function file`; DROP TABLE helix.responses',
    ]) {
      assertRefused(await sql(query), query);
    }
    assert.equal(await responseCount(), before);
    assert.equal(existsSync(outFile), false);
  });
});

void describe('the SQL endpoint bounds every query', () => {
  const secondsOver = (a: Answer) => a.ms / 1000 - LIMITS.maxExecutionSeconds;

  void it('ends an endless scan at the time limit, with an error', async () => {
    const a = await sql('SELECT count() FROM system.numbers');
    assertRefused(a, 'count() over system.numbers', 'limit_exceeded');
    assert.match(a.body.error!.message, /Timeout exceeded/);
    assert.ok(secondsOver(a) < 2, `took ${a.ms} ms`);
  });

  void it('refuses results over the row, byte and memory limits', async () => {
    const cases: Array<[string, RegExp]> = [
      ['SELECT * FROM system.numbers', /Limit for result exceeded/],
      ['SELECT number FROM numbers(5000)', /Limit for result exceeded/],
      ['SELECT repeat(toString(number), 10000) FROM numbers(900)', /Limit for result exceeded/],
      ['SELECT groupArray(number) FROM numbers(100000000)', /memory limit exceeded/i],
    ];
    for (const [query, reason] of cases) {
      const a = await sql(query);
      assertRefused(a, query, 'limit_exceeded');
      assert.match(a.body.error!.message, reason, query);
    }
  });

  void it('answers the next query cleanly after one failed half-way', async () => {
    assertRefused(await sql('SELECT throwIf(number = 500) FROM numbers(1000)'), 'throwIf');
    assert.deepEqual(await rows('SELECT 7 AS x'), [{ x: 7 }]);
  });

  void it('keeps ingestion going while a query runs to its limit', async () => {
    const long = sql('SELECT count() FROM system.numbers WHERE number % 3 = 1');
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    await store.client.insert({ table: 'helix.responses', values: [{ event_id: randomUUID(), ts: new Date().toISOString(), request_id: 'during', model: 'during' }], format: 'JSONEachRow' });
    const insertMs = performance.now() - started;
    const answer = await long;
    assertRefused(answer, 'long query', 'limit_exceeded');
    assert.ok(insertMs < 1_000, `the insert took ${insertMs} ms while a user query ran`);
    assert.deepEqual(await rows("SELECT count() AS n FROM responses WHERE model = 'during'"), [{ n: 1 }]);
  });

  void it('answers busy instead of queueing without bound', async () => {
    const answers = await Promise.all([0, 1, 2].map(() => sql('SELECT count() FROM system.numbers')));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [400, 400, 503], JSON.stringify(answers.map((a) => a.body.error)));
    assert.equal(answers.find((a) => a.status === 503)!.body.error!.code, 'busy');
  });
});

void describe('the SQL endpoint needs the master key', () => {
  void it('refuses a missing or wrong key', async () => {
    for (const key of [null, '', MASTER.slice(0, -1), `${MASTER}x`, 'sk-other']) {
      const a = await sql('SELECT 1', key);
      assert.equal(a.status, 401, String(key));
      assert.equal(a.body.error?.code, 'invalid_api_key');
    }
  });

  void it('answers no query at all when no master key is configured', async () => {
    const port = await freePort();
    const open = await startQueryServer(store, { port, limits: LIMITS });
    try {
      for (const key of [null, '', MASTER, 'anything']) {
        const a = await sql('SELECT 1', key, `http://127.0.0.1:${port}`);
        assert.equal(a.status, 403, String(key));
        assert.equal(a.body.error?.code, 'master_key_required');
        assert.match(a.body.error!.message, /needs a master key.*HELIX_MASTER_KEY/);
      }
      assert.equal((await fetch(`http://127.0.0.1:${port}/ping`)).status, 200);
    } finally {
      await open.close();
    }
  });
});
