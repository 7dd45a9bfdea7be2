// Poison among good events, on the real consumers process (ClickHouse sink and ledger) with real Kafka and
// ClickHouse: a response claiming 2^33 prompt tokens (a UInt32 column would silently wrap it), a response dated
// 30 February, and a request whose count is written `1.0` (valid JSON that ClickHouse refuses for a UInt32). Each
// goes to the dead-letter topic once per group that cannot take it, with its reason and source; every good event
// lands exactly once; the partitions keep moving, so later events land within a bounded wait.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createKafka } from '../../lib/kafka.ts';
import { topicName } from '../../schemas/topics.ts';
import type { RequestEvent, ResponseEvent } from '../../schemas/events.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import { requestEvent, responseEvent } from '../../gateway/pipeline/events.ts';
import { freePort } from '../../stack/ports.ts';
import { startPipeline, helixSql, waitFor, type Pipeline } from '../helpers/processes.ts';

const brokers = (process.env.HELIX_KAFKA_BROKERS ?? '').split(',');
const TEAM = 'team-poison';
/** One key: every event of a topic is on one partition, the poison between good events. */
const KEY = 'key_poison';

function pair(): [RequestEvent, ResponseEvent] {
  const trace = newTrace('/v1/chat/completions');
  Object.assign(trace, { keyId: KEY, teamId: TEAM, model: 'mock/echo', provider: 'mock', deployment: 'mock#0' });
  trace.usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
  return [requestEvent(trace, [{ role: 'user', content: 'hi' }], false), responseEvent(trace)];
}

interface DeadLetter {
  group: string;
  reason: string;
  sourceTopic: string;
  eventId: string;
}

describe('poison messages in the consumers', () => {
  let p: Pipeline;
  let metricsPort: number;
  before(async () => {
    metricsPort = await freePort();
    p = await startPipeline({ HELIX_CONSUMERS: 'clickhouse-sink,ledger', HELIX_CONSUMERS_METRICS_PORT: String(metricsPort) });
  });
  after(async () => {
    await p?.stop();
  });

  const counts = async () => {
    const [r] = await helixSql<Record<string, number>>(
      p.env,
      `SELECT (SELECT count() FROM helix.requests WHERE team_id = '${TEAM}') AS requests, (SELECT uniqExact(event_id) FROM helix.requests WHERE team_id = '${TEAM}') AS request_ids,
              (SELECT count() FROM helix.responses WHERE team_id = '${TEAM}') AS responses, (SELECT uniqExact(event_id) FROM helix.responses WHERE team_id = '${TEAM}') AS response_ids,
              (SELECT toUInt64(sum(prompt_tokens)) FROM helix.responses WHERE team_id = '${TEAM}') AS prompt_tokens,
              (SELECT count() FROM helix.ledger_entries WHERE team_id = '${TEAM}') AS ledger, (SELECT uniqExact(event_id) FROM helix.ledger_entries WHERE team_id = '${TEAM}') AS ledger_ids`,
    );
    return r!;
  };
  const expected = (n: number) => ({ requests: n, request_ids: n, responses: n, response_ids: n, prompt_tokens: 5 * n, ledger: n, ledger_ids: n });

  const readDeadLetters = async (until: (all: DeadLetter[]) => boolean): Promise<DeadLetter[]> => {
    const consumer = createKafka(brokers, 'test-poison-dlq').consumer({ groupId: `test-dlq-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const all: DeadLetter[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topicName('deadLetter', p.env.HELIX_TOPIC_PREFIX)], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const header = (name: string) => message.headers?.[name]?.toString() ?? '';
          const eventId = /"event_id":"([^"]+)"/.exec(message.value?.toString() ?? '')?.[1] ?? '';
          all.push({ group: header('x-helix-group'), reason: header('x-helix-reason'), sourceTopic: header('x-helix-source-topic'), eventId });
        },
      });
      return await waitFor('dead letters', async () => until(all) && all, 30_000, 100);
    } finally {
      await consumer.disconnect();
    }
  };

  it('dead-letters each poison message with its reason, writes the rest exactly once, and keeps consuming', async (t) => {
    const prefix = p.env.HELIX_TOPIC_PREFIX!;
    const producer = createKafka(brokers, 'test-poison-producer').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = (requests: string[], responses: string[]) =>
      producer.sendBatch({
        acks: -1,
        topicMessages: [
          { topic: topicName('requests', prefix), messages: requests.map((value) => ({ key: KEY, value })) },
          { topic: topicName('responses', prefix), messages: responses.map((value) => ({ key: KEY, value })) },
        ],
      });
    const json = (events: unknown[]) => events.map((e) => JSON.stringify(e));

    const good = Array.from({ length: 150 }, pair);
    const [[, tooManyTokens], [, badDate], [oneDotZero]] = [pair(), pair(), pair()];
    tooManyTokens.prompt_tokens = 2 ** 33;
    badDate.ts = '2026-02-30T00:00:00.000Z';
    const refusedByClickhouse = JSON.stringify(oneDotZero).replace('"message_count":1,', '"message_count":1.0,');
    assert.notEqual(refusedByClickhouse, JSON.stringify(oneDotZero));
    const [requests, responses] = [good.map(([r]) => r), good.map(([, s]) => s)];
    await send(
      [...json(requests.slice(0, 75)), refusedByClickhouse, ...json(requests.slice(75))],
      [...json(responses.slice(0, 50)), JSON.stringify(tooManyTokens), ...json(responses.slice(50, 100)), JSON.stringify(badDate), ...json(responses.slice(100))],
    );

    assert.deepEqual(await waitFor('good events in ClickHouse', async () => {
      const c = await counts();
      return c.requests! >= 150 && c.responses! >= 150 && c.ledger! >= 150 ? c : undefined;
    }, 90_000, 500), expected(150));

    const dead = await readDeadLetters((all) => all.length >= 5);
    const summary = dead.map((d) => `${d.group} ${d.sourceTopic.slice(prefix.length)} ${d.eventId}`).sort();
    assert.deepEqual(summary, [
      `helix-clickhouse-sink helix.requests ${oneDotZero.event_id}`,
      `helix-clickhouse-sink helix.responses ${badDate.event_id}`,
      `helix-clickhouse-sink helix.responses ${tooManyTokens.event_id}`,
      `helix-ledger helix.responses ${badDate.event_id}`,
      `helix-ledger helix.responses ${tooManyTokens.event_id}`,
    ].sort(), 'each poison message once per group that cannot take it');
    const reasonOf = (group: string, id: string) => dead.find((d) => d.group === group && d.eventId === id)!.reason;
    assert.equal(reasonOf('helix-clickhouse-sink', tooManyTokens.event_id), '/prompt_tokens: 8589934592 does not fit UInt32');
    assert.equal(reasonOf('helix-ledger', tooManyTokens.event_id), '/prompt_tokens: 8589934592 does not fit UInt32');
    assert.match(reasonOf('helix-clickhouse-sink', badDate.event_id), /^\/ts: "2026-02-30T00:00:00.000Z" is not a calendar date$/);
    assert.match(reasonOf('helix-clickhouse-sink', oneDotZero.event_id), /^write refused: CANNOT_PARSE_INPUT_ASSERTION_FAILED: /);

    // Later events on the same partitions land promptly: nothing is stuck behind the poison.
    const later = Array.from({ length: 20 }, pair);
    const sentAt = Date.now();
    await send(json(later.map(([r]) => r)), json(later.map(([, s]) => s)));
    await producer.disconnect();
    assert.deepEqual(await waitFor('later events in ClickHouse', async () => {
      const c = await counts();
      return c.requests! >= 170 && c.responses! >= 170 && c.ledger! >= 170 ? c : undefined;
    }, 30_000, 250), expected(170));
    const landedMs = Date.now() - sentAt;

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const value = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    assert.equal(value('helix_consumer_messages_total', 'group="helix-clickhouse-sink",outcome="dead_lettered"'), 3);
    assert.equal(value('helix_consumer_messages_total', 'group="helix-ledger",outcome="dead_lettered"'), 2);
    assert.equal(value('helix_consumer_retrying', 'group="helix-clickhouse-sink"'), 0);
    t.diagnostic(`later events landed ${landedMs} ms after they were sent`);
  });
});
