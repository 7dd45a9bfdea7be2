// Which failed writes the consumers give up on and which they wait out, classified from real errors: inserts a
// ClickHouse store refuses, ClickHouse and Redis unreachable, Redis refusing an argument. And the column limits the
// consumers check before writing, so a value ClickHouse would wrap (2^33 in a UInt32) never reaches it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient, parseError } from '@clickhouse/client';
import { Redis } from 'ioredis';
import kafkajs, { type KafkaMessage } from 'kafkajs';
import { classifyFailure, PermanentFailure } from '../../lib/consume/failures.ts';
import { columnLimitError, decodeStorableEvent } from '../../clickhouse/column-limits.ts';
import { clientInserter } from '../../clickhouse/rows.ts';
import { SCHEMA_VERSIONS } from '../../schemas/columns.ts';
import { type ResponseEvent } from '../../schemas/events.ts';
import type { AnalyticsStore } from '../../clickhouse/store.ts';
import { freePort } from '../../stack/ports.ts';
import { closeScratchStore, openScratchStore } from '../helpers/clickhouse.ts';

const { KafkaJSConnectionError, KafkaJSProtocolError } = kafkajs;

async function failureOf(attempt: () => Promise<unknown>): Promise<unknown> {
  try {
    await attempt();
  } catch (err) {
    return err;
  }
  assert.fail('expected the attempt to fail');
}

describe('failure classification (real errors)', () => {
  let store: AnalyticsStore;
  let table: string;
  before(async () => {
    store = await openScratchStore('failures');
    await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${store.database}` });
    table = `${store.database}.t`;
    await store.client.command({ query: `CREATE TABLE ${table} (n UInt32, ts DateTime64(3, 'UTC'), usd Decimal(18, 9), id UUID, tags Array(String)) ENGINE = MergeTree ORDER BY tuple()` });
  });
  after(() => closeScratchStore(store));

  it('gives up on rows ClickHouse refuses for what they hold', async () => {
    const insert = clientInserter(store);
    const good = { n: 1, ts: '2025-01-01T00:00:00Z', usd: 1, id: randomUUID(), tags: [] };
    const rows: Array<[string, string]> = [
      [JSON.stringify({ ...good, ts: 'hello 2024' }), 'CANNOT_PARSE_DATETIME'],
      [JSON.stringify(good).replace('"n":1', '"n":1.0'), 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
      [JSON.stringify({ ...good, n: -1 }), 'CANNOT_PARSE_NUMBER'],
      [JSON.stringify({ ...good, id: 'not-a-uuid' }), 'CANNOT_PARSE_UUID'],
      [JSON.stringify({ ...good, usd: 12_345_678_901 }), 'ARGUMENT_OUT_OF_BOUND'],
      [JSON.stringify({ ...good, tags: 'x' }), 'CANNOT_READ_ARRAY_FROM_TEXT'],
      [JSON.stringify(good).replace('"n":1,', '"n":1,"n":1,'), 'INCORRECT_DATA'],
    ];
    for (const [row, type] of rows) {
      const failure = classifyFailure(await failureOf(() => insert(table, [Buffer.from(row)], 'ab')));
      assert.deepEqual({ permanent: failure.permanent, type: failure.reason.split(':')[0] }, { permanent: true, type }, row);
    }
    await insert(table, [Buffer.from(JSON.stringify(good))], 'cd');
  });

  it('waits out ClickHouse unreachable, busy, out of memory or missing a table', async () => {
    const closed = createClient({ url: `http://127.0.0.1:${await freePort()}`, request_timeout: 2_000 });
    const transient = [
      await failureOf(() => closed.query({ query: 'SELECT 1' })),
      await failureOf(() => clientInserter(store)(`${store.database}.missing`, [Buffer.from('{}')], 'ef')),
      parseError('Code: 252. DB::Exception: Too many parts (3001) in all partitions in total. (TOO_MANY_PARTS) (version 25.8.1.1)'),
      parseError('Code: 241. DB::Exception: Memory limit (total) exceeded: would use 9.31 GiB. (MEMORY_LIMIT_EXCEEDED) (version 25.8.1.1)'),
      parseError('Code: 159. DB::Exception: Timeout exceeded: elapsed 30 seconds. (TIMEOUT_EXCEEDED) (version 25.8.1.1)'),
    ];
    await closed.close();
    for (const err of transient) assert.equal(classifyFailure(err).permanent, false, (err as Error).message);
  });

  it('Redis: an argument it cannot count with is permanent, Redis away is not', async () => {
    const redis = new Redis(process.env.HELIX_REDIS_URL ?? 'redis://127.0.0.1:6379');
    const key = `test:failures:${randomUUID()}`;
    const badArgument = await failureOf(() => redis.incrby(key, '1.5'));
    redis.disconnect();
    assert.equal(classifyFailure(badArgument).permanent, true);
    const away = new Redis(`redis://127.0.0.1:${await freePort()}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    away.on('error', () => undefined);
    assert.equal(classifyFailure(await failureOf(() => away.connect())).permanent, false);
  });

  it('Kafka, sinks and JavaScript: a refused record, PermanentFailure and RangeError are permanent; a lost broker is not', () => {
    assert.equal(classifyFailure(new KafkaJSProtocolError({ message: 'too large', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as never)).permanent, true);
    assert.equal(classifyFailure(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')).permanent, false);
    assert.equal(classifyFailure(new PermanentFailure('no price for model')).permanent, true);
    assert.equal(classifyFailure(new RangeError('Invalid time value')).permanent, true);
    assert.equal(classifyFailure(new TypeError('fetch failed', { cause: new Error('ECONNRESET') })).permanent, false);
    // One table's insert refused, another's failed on the network: waiting may help, so wait.
    assert.equal(classifyFailure(new AggregateError([new RangeError('x'), new Error('socket hang up')])).permanent, false);
    assert.equal(classifyFailure(new Error('something unexpected')).permanent, false);
  });
});

function responseEvent(overrides: Record<string, unknown> = {}): ResponseEvent {
  return {
    event_id: randomUUID(), type: 'response', schema_version: SCHEMA_VERSIONS.response, ts: new Date().toISOString(), request_id: randomUUID(), key_id: 'key_1', team_id: 't', user_id: '',
    model: 'mock/echo', provider: 'mock', deployment: 'd0', endpoint: 'chat', stream: false, status: 'ok', http_status: 200, error_type: '', error_message: '', finish_reason: 'stop',
    prompt_tokens: 5, completion_tokens: 5, total_tokens: 10, gateway_overhead_ms: 0.1, upstream_ttfb_ms: 1, upstream_ms: 2, total_ms: 3, attempts: [], cache: 'none',
    ...overrides,
  } as ResponseEvent;
}

const message = (value: unknown): KafkaMessage => ({ key: null, value: Buffer.from(JSON.stringify(value)), timestamp: '0', attributes: 0, offset: '0', headers: {} }) as KafkaMessage;

describe('column limits', () => {
  it('refuses what a column cannot hold: wide integers, bad dates, huge amounts', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ prompt_tokens: 2 ** 33 }, /^\/prompt_tokens: 8589934592 does not fit UInt32$/],
      [{ total_tokens: 2 ** 32 }, /total_tokens: 4294967296 does not fit UInt32/],
      [{ http_status: 70_000 }, /http_status: 70000 does not fit UInt16/],
      [{ ts: 'hello 2024' }, /ts: "hello 2024" is not an ISO 8601 date/],
      [{ ts: '2024-02-30T00:00:00Z' }, /ts: "2024-02-30T00:00:00Z" is not a calendar date/],
      [{ ts: '2400-01-01T00:00:00Z' }, /outside DateTime64's range/],
    ];
    for (const [overrides, reason] of cases) {
      const decoded = decodeStorableEvent(message(responseEvent(overrides)));
      assert.equal(decoded.ok, false, JSON.stringify(overrides));
      assert.match((decoded as { reason: string }).reason, reason);
    }
    const ledger = { event_id: randomUUID(), type: 'ledger', cost_usd: 1e9 } as never;
    assert.match(columnLimitError(ledger) ?? '', /cost_usd: 1000000000 does not fit Decimal\(18, 9\)/);
  });

  it('lets the largest values that fit through', () => {
    for (const overrides of [{ prompt_tokens: 2 ** 32 - 1 }, { http_status: 65_535 }, { ts: '2025-06-30T23:59:59.999Z' }, { ts: '2025-06-30 12:00:00' }, { ts: '2024-02-29T00:00:00+05:30' }]) {
      const decoded = decodeStorableEvent(message(responseEvent(overrides)));
      assert.ok(decoded.ok, JSON.stringify(overrides) + (decoded.ok ? '' : decoded.reason));
    }
  });
});
