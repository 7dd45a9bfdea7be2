// The spend reports' SQL (core/spend/) on real chdb behind the embedded store's query endpoint, the way the gateway
// reads it: ledger entries with keys, teams, users, end users and tags over several days → each report's numbers are
// the sums of those entries, filters narrow them, a caller's value is only ever a bound parameter (SQL in it matches
// nothing), and dates are validated before ClickHouse could misread them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { openAnalyticsStore, type AnalyticsStore } from '../../clickhouse/store.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { startQueryServer } from '../../clickhouse/query-server.ts';
import { createAnalyticsReader, type AnalyticsReader } from '../../clickhouse/reader.ts';
import { runtimeEnv } from '../../lib/config.ts';
import { freePort } from '../../stack/ports.ts';
import { dayRange, instantOf, SpendQueryError } from '../../core/spend/dates.ts';
import { createSpendLookup } from '../../core/spend/spend-lookup.ts';
import { spendLogRows, spendLogSummary } from '../../core/spend/spend-logs.ts';
import { spendReport, type DaySpend, type KeySpend } from '../../core/spend/spend-report.ts';
import { spendByTag, teamsByDay, topEndUsers, topKeys, topModels } from '../../core/spend/spend-rankings.ts';

const MASTER = 'sk-spend-reports-master';
const HOSTILE = "x' OR 1=1 --";

interface Entry {
  day: string;
  key: string;
  team: string;
  user: string;
  endUser: string;
  tags: string[];
  model: string;
  /** nano-USD */
  cost: number;
  source?: 'response' | 'cache' | 'error';
}

// Two days, three keys, two teams, end users and tags; one cache hit (cost 0) and one untagged entry without end user.
const ENTRIES: Entry[] = [
  { day: '2024-03-01', key: 'key_a', team: 'team_1', user: 'u1', endUser: 'alice', tags: ['prod', 'chat'], model: 'gpt-4o', cost: 1_234_567 },
  { day: '2024-03-01', key: 'key_a', team: 'team_1', user: 'u1', endUser: 'bob', tags: ['prod'], model: 'gpt-4o-mini', cost: 10_000 },
  { day: '2024-03-01', key: 'key_b', team: 'team_2', user: 'u2', endUser: 'alice', tags: ['batch'], model: 'gpt-4o', cost: 3_000_000 },
  { day: '2024-03-02', key: 'key_a', team: 'team_1', user: 'u1', endUser: 'alice', tags: ['chat'], model: 'gpt-4o', cost: 7 },
  { day: '2024-03-02', key: 'key_b', team: 'team_2', user: 'u2', endUser: '', tags: [], model: 'gpt-4o', cost: 500_000_000 },
  { day: '2024-03-02', key: 'key_c', team: '', user: '', endUser: 'carol', tags: ['chat'], model: 'gpt-4o-mini', cost: 0, source: 'cache' },
];
const NOW = Date.parse('2024-03-02T12:00:00Z');
const usd = (nano: number) => nano / 1e9;
const sum = (pick: (e: Entry) => boolean) => usd(ENTRIES.filter(pick).reduce((n, e) => n + e.cost, 0));

let store: AnalyticsStore;
let server: FastifyInstance;
let reader: AnalyticsReader;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'helix-spend-reports-'));
  store = await openAnalyticsStore({ clickhouseUrl: undefined, clickhouseDatabase: 'helix', dataDir: dir });
  await migrate(store.client, { database: 'helix', retentionDays: 3_650 });
  await store.client.insert({
    table: 'helix.ledger_entries',
    format: 'JSONEachRow',
    values: ENTRIES.map((e, i) => ({
      event_id: randomUUID(),
      type: 'ledger',
      schema_version: 1,
      ts: `${e.day}T10:00:0${i}.000Z`,
      request_id: `req-${i}`,
      key_id: e.key,
      team_id: e.team,
      user_id: e.user,
      source_event_id: randomUUID(),
      source: e.source ?? 'response',
      model: e.model,
      provider: 'openai',
      deployment: `${e.model}-dep`,
      requested_model: e.model,
      endpoint: 'chat.completions',
      prompt_tokens: 10 + i,
      completion_tokens: 20 + i,
      cached_tokens: 0,
      cost_usd: (e.cost / 1e9).toFixed(9),
      input_cost_usd: 0,
      output_cost_usd: 0,
      cache_saved_usd: e.source === 'cache' ? '0.000100000' : 0,
      swap_saved_usd: 0,
      price_source: 'config',
      counters: [],
      end_user: e.endUser,
      tags: e.tags,
    })),
  });
  const port = await freePort();
  server = await startQueryServer(store, { port, masterKey: MASTER });
  reader = await createAnalyticsReader(runtimeEnv({ HELIX_MASTER_KEY: MASTER, HELIX_QUERY_URL: `http://127.0.0.1:${port}` }));
});

after(async () => {
  await reader?.close();
  await server?.close();
  await store?.close();
});

const MARCH = dayRange('2024-03-01', '2024-03-02');

void describe('spend to date (SpendLookup)', () => {
  void it('sums each key, team, user, customer and tag exactly', async () => {
    const spend = createSpendLookup(reader);
    assert.equal(await spend.spend({ kind: 'key', id: 'key_a' }), sum((e) => e.key === 'key_a'));
    assert.equal(await spend.spend({ kind: 'key', id: 'key_b' }), 0.503);
    assert.equal(await spend.spend({ kind: 'team', id: 'team_1' }), sum((e) => e.team === 'team_1'));
    assert.equal(await spend.spend({ kind: 'user', id: 'u2' }), sum((e) => e.user === 'u2'));
    assert.equal(await spend.spend({ kind: 'customer', id: 'alice' }), sum((e) => e.endUser === 'alice'));
    assert.equal(await spend.spend({ kind: 'tag', id: 'chat' }), sum((e) => e.tags.includes('chat')));
    assert.equal(await spend.spend({ kind: 'tag', id: 'prod' }), sum((e) => e.tags.includes('prod')));
    assert.equal(await spend.spend({ kind: 'customer', id: 'nobody' }), 0);
    assert.equal(await spend.spend({ kind: 'tag', id: '' }), 0, 'the untagged bucket is nobody');
    assert.equal(await spend.spend({ kind: 'key', id: HOSTILE }), 0, 'a value is a parameter, never SQL');
  });

  void it('reuses an answer for its TTL, then asks again; failures are not remembered', async () => {
    let clock = 0;
    let queries = 0;
    let fail = false;
    const counting: AnalyticsReader = {
      ...reader,
      query: async (sql, params) => {
        queries++;
        if (fail) throw new Error('store down');
        return reader.query(sql, params);
      },
    };
    const spend = createSpendLookup(counting, { ttlMs: 1_000, now: () => clock });
    await spend.spend({ kind: 'key', id: 'key_a' });
    await spend.spend({ kind: 'key', id: 'key_a' });
    assert.equal(queries, 1);
    clock = 1_001;
    fail = true;
    await assert.rejects(spend.spend({ kind: 'key', id: 'key_a' }));
    fail = false;
    assert.equal(await spend.spend({ kind: 'key', id: 'key_a' }), sum((e) => e.key === 'key_a'));
    assert.equal(queries, 3);
  });
});

void describe('/spend/logs', () => {
  void it('rows newest first, filtered, paged', async () => {
    const all = await spendLogRows(reader, {}, { page: 1, pageSize: 100 });
    assert.equal(all.length, ENTRIES.length);
    assert.deepEqual(all.map((r) => r.request_id), ENTRIES.map((_, i) => `req-${i}`).reverse());
    const first = all.at(-1)!;
    assert.equal(first.api_key, 'key_a');
    assert.equal(first.spend, usd(1_234_567));
    assert.equal(first.total_tokens, 30);
    assert.equal(first.startTime, '2024-03-01T10:00:00.000Z');
    assert.deepEqual(first.request_tags, ['prod', 'chat']);
    assert.equal(first.end_user, 'alice');
    assert.equal(all[0]!.cache_hit, 'True');

    const byKey = await spendLogRows(reader, { keyId: 'key_a', range: dayRange('2024-03-01', '2024-03-01') }, { page: 1, pageSize: 100 });
    assert.deepEqual(byKey.map((r) => r.request_id), ['req-1', 'req-0']);
    assert.deepEqual((await spendLogRows(reader, { requestId: 'req-4' }, { page: 1, pageSize: 10 })).map((r) => r.spend), [0.5]);
    assert.deepEqual((await spendLogRows(reader, { userId: 'u2' }, { page: 2, pageSize: 1 })).map((r) => r.request_id), ['req-2']);
    assert.deepEqual(await spendLogRows(reader, { keyId: HOSTILE, userId: HOSTILE }, { page: 1, pageSize: 10 }), []);
  });

  void it('summarized per day: total, per key, user and model, every day of the range', async () => {
    const days = await spendLogSummary(reader, { range: dayRange('2024-03-01', '2024-03-03') });
    assert.deepEqual(days.map((d) => d.startTime), ['2024-03-01', '2024-03-02', '2024-03-03']);
    assert.equal(days[0]!.spend, sum((e) => e.day === '2024-03-01'));
    assert.equal(days[0]!.key_a, usd(1_244_567));
    assert.deepEqual(days[0]!.models, { 'gpt-4o': usd(4_234_567), 'gpt-4o-mini': usd(10_000) });
    assert.deepEqual(days[1]!.users, { u1: usd(7), u2: 0.5, '': 0 });
    assert.deepEqual(days[2], { startTime: '2024-03-03', spend: 0, users: {}, models: {} });
  });
});

void describe('/global/spend/report', () => {
  void it('group_by=team: per day, per team, each model × key', async () => {
    const report = (await spendReport(reader, { range: MARCH, groupBy: 'team' })) as DaySpend[];
    assert.deepEqual(report.map((d) => d.group_by_day), ['2024-03-01T00:00:00+00:00', '2024-03-02T00:00:00+00:00']);
    const day1 = report[0]!.teams!;
    assert.deepEqual(day1.map((t) => [t.team_name, t.total_spend]), [['team_1', usd(1_244_567)], ['team_2', 0.003]]);
    assert.deepEqual(day1[0]!.metadata, [
      { model: 'gpt-4o', api_key: 'key_a', spend: usd(1_234_567), total_tokens: 30 },
      { model: 'gpt-4o-mini', api_key: 'key_a', spend: usd(10_000), total_tokens: 32 },
    ]);
    assert.equal(report[1]!.teams![0]!.team_name, 'Unassigned Team');
    const filtered = (await spendReport(reader, { range: MARCH, groupBy: 'team', teamId: 'team_2' })) as DaySpend[];
    assert.deepEqual(filtered.flatMap((d) => d.teams!.map((t) => t.team_id)), ['team_2', 'team_2']);
  });

  void it('group_by=customer and team × customer', async () => {
    const report = (await spendReport(reader, { range: MARCH, groupBy: 'customer' })) as DaySpend[];
    assert.deepEqual(report[0]!.customers!.map((c) => [c.customer, c.total_spend]), [['alice', usd(4_234_567)], ['bob', usd(10_000)]]);
    assert.equal(report[1]!.customers![0]!.customer, null, 'no end user');
    const both = (await spendReport(reader, { range: MARCH, groupBy: 'team', teamId: 'team_1', customerId: 'alice' })) as DaySpend[];
    assert.deepEqual(both.map((d) => d.teams_customers!.map((g) => [g.team_name, g.customer, g.total_spend])), [[['team_1', 'alice', usd(1_234_567)]], [['team_1', 'alice', usd(7)]]]);
  });

  void it('group_by=api_key, and api_key / internal_user_id filters take the per-key shape', async () => {
    const report = (await spendReport(reader, { range: MARCH, groupBy: 'api_key' })) as KeySpend[];
    assert.deepEqual(report.map((k) => [k.api_key, k.total_cost]), [['key_b', 0.503], ['key_a', usd(1_244_574)], ['key_c', 0]]);
    assert.deepEqual(report[1]!.model_details.map((m) => m.model), ['gpt-4o', 'gpt-4o-mini']);
    assert.equal(report[1]!.total_input_tokens, 10 + 11 + 13);
    const byKey = (await spendReport(reader, { range: MARCH, groupBy: 'team', keyId: 'key_c' })) as KeySpend[];
    assert.deepEqual(byKey.map((k) => k.api_key), ['key_c']);
    const byUser = (await spendReport(reader, { range: MARCH, groupBy: 'customer', userId: 'u1' })) as KeySpend[];
    assert.deepEqual(byUser.map((k) => k.api_key), ['key_a']);
    assert.deepEqual(await spendReport(reader, { range: MARCH, groupBy: 'team', teamId: HOSTILE }), []);
  });
});

void describe('leaderboards', () => {
  void it('/spend/tags: spend and entries per tag, all time or in a range', async () => {
    assert.deepEqual(await spendByTag(reader, undefined), [
      { individual_request_tag: 'batch', log_count: 1, total_spend: 0.003 },
      { individual_request_tag: 'prod', log_count: 2, total_spend: usd(1_244_567) },
      { individual_request_tag: 'chat', log_count: 3, total_spend: usd(1_234_574) },
    ]);
    assert.deepEqual((await spendByTag(reader, dayRange('2024-03-02', '2024-03-02'))).map((t) => [t.individual_request_tag, t.log_count]), [['chat', 2]]);
    assert.deepEqual((await spendByTag(reader, undefined, ['prod', HOSTILE])).map((t) => t.individual_request_tag), ['prod']);
  });

  void it('keys, models and teams of the last 30 days; end users in a time window', async () => {
    assert.deepEqual(await topKeys(reader, 2, NOW), [{ api_key: 'key_b', total_spend: 0.503 }, { api_key: 'key_a', total_spend: usd(1_244_574) }]);
    assert.deepEqual((await topModels(reader, 10, NOW)).map((m) => m.model), ['gpt-4o', 'gpt-4o-mini']);
    const teams = await teamsByDay(reader, NOW);
    assert.deepEqual(teams.daily_spend, [
      { date: '2024-03-01', team_1: usd(1_244_567), team_2: 0.003 },
      { date: '2024-03-02', team_1: usd(7), team_2: 0.5, Unassigned: 0 },
    ]);
    assert.deepEqual(teams.total_spend_per_team[0], { team_id: 'team_2', total_spend: 0.503 });
    const users = await topEndUsers(reader, { fromTs: instantOf('2024-03-01T10:00:01Z', 'startTime'), toTs: instantOf('2024-03-02', 'endTime') });
    assert.deepEqual(users, [{ end_user: 'alice', total_count: 1, total_spend: 0.003 }, { end_user: 'bob', total_count: 1, total_spend: usd(10_000) }]);
    assert.deepEqual((await topEndUsers(reader, { keyId: 'key_a', fromTs: instantOf('2024-01-01', 'startTime') })).map((u) => u.end_user), ['alice', 'bob']);
  });
});

void describe('dates and parameters', () => {
  void it('accepts calendar days, inclusive, at most a year', () => {
    assert.deepEqual(dayRange('2024-02-28', '2024-02-29'), { from: '2024-02-28', until: '2024-03-01' });
    for (const [start, end] of [
      ['2024-02-30', '2024-03-01'],
      ['2024-13-01', '2024-13-02'],
      ['2024-1-1', '2024-01-02'],
      ["2024-01-01' OR 1=1", '2024-01-02'],
      ['1969-12-31', '1970-01-01'],
      ['2024-03-02', '2024-03-01'],
      ['2023-01-01', '2024-12-31'],
    ]) {
      assert.throws(() => dayRange(start!, end!), SpendQueryError, `${start} … ${end}`);
    }
    assert.equal(instantOf('2024-03-01T10:00:00', 'startTime'), '2024-03-01 10:00:00.000');
    assert.equal(instantOf('2024-03-01T12:00:00+02:00', 'startTime'), '2024-03-01 10:00:00.000');
    assert.throws(() => instantOf('yesterday', 'startTime'), SpendQueryError);
  });

  void it('the query endpoint refuses malformed parameters in its error shape', async () => {
    const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}/v1/sql`;
    for (const params of [['a'], { 'a b': 'x' }, { a: 1 }, Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, 'x']))]) {
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: 'SELECT 1', params }) });
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_request');
    }
  });
});
