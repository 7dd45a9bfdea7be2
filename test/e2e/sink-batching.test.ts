// The ClickHouse sink's consume loop: events from every partition and topic land in few large inserts (by size and
// time), a duplicate delivery (same event id, another offset) is one row, poison messages go to the dead-letter
// topic with their reason, and lag is on the consumers' /metrics. The batcher itself is checked first.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Batcher } from '../../lib/consume/batcher.ts';
import { createKafka } from '../../lib/kafka.ts';
import { topicName } from '../../schemas/topics.ts';
import { SCHEMA_VERSIONS } from '../../schemas/columns.ts';
import { type RequestEvent, type ResponseEvent } from '../../schemas/events.ts';
import { freePort } from '../../stack/ports.ts';
import { startPipeline, helixSql, waitFor, type Pipeline } from '../helpers/processes.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('batcher', () => {
  it('writes by size, by time, one write at a time, and fails every waiter of a failed write', async () => {
    const writes: number[][] = [];
    let fail = false;
    let inFlight = 0;
    const b = new Batcher<number>({
      maxItems: 5,
      lingerMs: 50,
      write: async (items) => {
        inFlight++;
        assert.equal(inFlight, 1, 'one write at a time');
        await sleep(20);
        inFlight--;
        if (fail) throw new Error('down');
        writes.push(items);
      },
    });
    await Promise.all([b.add([1, 2, 3]), b.add([4, 5]), b.add([6])]);
    assert.deepEqual(writes[0], [1, 2, 3, 4, 5], 'full batch written at once');
    assert.deepEqual(writes[1], [6], 'the rest after the linger');
    const t0 = Date.now();
    await b.add([7]);
    assert.ok(Date.now() - t0 >= 45, 'a lone item waits for the linger');
    fail = true;
    await assert.rejects(b.add([8]), /down/);
    fail = false;
    const pending = b.add([9]);
    await b.flush();
    await pending;
    assert.deepEqual(writes.at(-1), [9]);
  });
});

function pair(i: number): [RequestEvent, ResponseEvent] {
  const base = {
    schema_version: SCHEMA_VERSIONS.response, ts: new Date().toISOString(), request_id: randomUUID(), key_id: `key_${i % 50}`, team_id: 'team-b', user_id: '',
    model: 'mock/echo', provider: 'mock', deployment: 'd0', endpoint: 'chat', stream: false,
  };
  return [
    { ...base, event_id: randomUUID(), type: 'request', message_count: 1, prompt_chars: 10, prompt: '' },
    {
      ...base, event_id: randomUUID(), type: 'response', status: 'ok', http_status: 200, error_type: '', error_message: '', finish_reason: 'stop', prompt_tokens: 5,
      completion_tokens: 5, total_tokens: 10, gateway_overhead_ms: 0.1, upstream_ttfb_ms: 1, upstream_ms: 2, total_ms: 3, attempts: [{ provider: 'mock', deployment: 'd0', status: 200, latency_ms: 2 }], cache: 'none',
    },
  ];
}

describe('ClickHouse sink consume loop', () => {
  let p: Pipeline;
  let metricsPort: number;
  const brokers = (process.env.HELIX_KAFKA_BROKERS ?? '').split(',');
  before(async () => {
    metricsPort = await freePort();
    p = await startPipeline({ HELIX_CONSUMERS: 'clickhouse-sink', HELIX_CONSUMERS_METRICS_PORT: String(metricsPort) });
  });
  after(async () => {
    await p?.stop();
  });

  it('lands every partition in few inserts, once per event id, and dead-letters poison with its reason', async () => {
    const prefix = p.env.HELIX_TOPIC_PREFIX!;
    const pairs = Array.from({ length: 3000 }, (_, i) => pair(i));
    const producer = createKafka(brokers, 'test-sink-producer').producer();
    await producer.connect();
    const [dupReq] = pairs[0]!;
    await producer.sendBatch({
      acks: -1,
      topicMessages: [
        { topic: topicName('requests', prefix), messages: [...pairs.map(([r]) => ({ key: r.key_id, value: JSON.stringify(r) })), { key: dupReq.key_id, value: JSON.stringify(dupReq) }] },
        { topic: topicName('responses', prefix), messages: [...pairs.map(([, s]) => ({ key: s.key_id, value: JSON.stringify(s) })), { key: 'poison', value: '{not json' }, { key: 'poison', value: JSON.stringify({ ...pairs[1]![1], total_ms: 'slow' }) }] },
      ],
    });
    await producer.disconnect();

    const counts = await waitFor(
      'events in ClickHouse',
      async () => {
        const [r] = await helixSql<{ requests: number; request_ids: number; responses: number; rollup: number }>(
          p.env,
          "SELECT (SELECT count() FROM helix.requests WHERE team_id = 'team-b') AS requests, (SELECT uniqExact(event_id) FROM helix.requests WHERE team_id = 'team-b') AS request_ids, (SELECT count() FROM helix.responses WHERE team_id = 'team-b') AS responses, (SELECT sum(requests) FROM helix.usage_1m WHERE team_id = 'team-b') AS rollup",
        );
        return r && r.requests >= 3000 && r.responses >= 3000 ? r : undefined;
      },
      60_000,
      500,
    );
    assert.deepEqual(counts, { requests: 3000, request_ids: 3000, responses: 3000, rollup: 3000 }, 'the duplicate delivery is one row; the rollup counts it once');

    const text = await waitFor('lag drained', async () => {
      const m = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return /^helix_consumer_lag_total\{group="[^"]*helix-clickhouse-sink"\} 0$/m.test(m) ? m : undefined;
    }, 30_000, 500);
    const value = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const writes = value('helix_consumer_batch_messages_count', 'group="helix-clickhouse-sink"');
    // 6,003 good messages over 12 partitions: per-partition writes would be at least 12.
    assert.ok(writes >= 1 && writes < 12, `few inserts across partitions (${writes})`);
    assert.equal(value('helix_consumer_messages_total', 'group="helix-clickhouse-sink",outcome="written"'), 6001);
    assert.equal(value('helix_consumer_messages_total', 'group="helix-clickhouse-sink",outcome="dead_lettered"'), 2);
    assert.match(text, /^helix_consumer_lag\{group="[^"]+",topic="[^"]+responses",partition="\d"\} \d+$/m);

    const consumer = createKafka(brokers, 'test-sink-dlq').consumer({ groupId: `test-dlq-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const reasons: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topicName('deadLetter', prefix)], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void reasons.push(message.headers?.['x-helix-reason']?.toString() ?? '') });
      await waitFor('dead letters', async () => reasons.length >= 2, 20_000, 100);
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(reasons.sort(), ['/total_ms: Expected number', 'invalid JSON']);
  });
});
