// The local stack for real: the shared Kafka and Redis that test/run.ts started, plus a
// private Kafka that is stopped and restarted to prove data survives (what outage tests rely on).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { dataDir } from '../../lib/paths.ts';
import { freePorts } from '../../stack/ports.ts';
import { startKafka } from '../../stack/kafka.ts';

function requiredEnv(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set — run these tests through \`npm test\` (test/run.ts starts the services)`);
  return value;
}

function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: `stack-test-${process.pid}`, brokers, logLevel: logLevel.ERROR });
}

/** Consumes `topic` from the beginning until `count` messages arrived (or the timeout). */
async function consumeFromBeginning(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `stack-test-${randomUUID()}` });
  const received: KafkaMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length}/${count} messages within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push(message);
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

async function produce(kafka: Kafka, topic: string, values: string[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ key: 'k', value })) });
  } finally {
    await producer.disconnect();
  }
}

void describe('shared Kafka (HELIX_KAFKA_BROKERS)', () => {
  void test('a produced message is consumed', async () => {
    const kafka = kafkaClient(requiredEnv('HELIX_KAFKA_BROKERS').split(','));
    const topic = `stack-e2e-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }), true);
    } finally {
      await admin.disconnect();
    }
    const value = `hello ${Date.now()}`;
    await produce(kafka, topic, [value]);
    const [message] = await consumeFromBeginning(kafka, topic, 1);
    assert.equal(message?.value?.toString(), value);
  });
});

void describe('shared Redis Stack (HELIX_REDIS_URL)', () => {
  const redis = new Redis(process.env.HELIX_REDIS_URL ?? 'redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 1 });
  after(() => redis.disconnect());

  void test('answers PING, has RediSearch and RedisJSON', async () => {
    requiredEnv('HELIX_REDIS_URL');
    await redis.connect();
    assert.equal(await redis.ping(), 'PONG');
    assert.ok(Array.isArray(await redis.call('FT._LIST')), 'FT._LIST should return an array (RediSearch loaded)');
    const key = `stack-e2e:${randomUUID()}`;
    assert.equal(await redis.call('JSON.SET', key, '$', JSON.stringify({ model: 'gpt', tokens: [1, 2] })), 'OK');
    assert.equal(await redis.call('JSON.GET', key, '$.tokens[1]'), '[2]');
    await redis.del(key);
  });
});

void describe('a private Kafka instance', () => {
  void test('keeps its topics and messages across stop and start', { timeout: 120_000 }, async () => {
    const [port, controllerPort] = await freePorts(2);
    const dir = join(dataDir, 'runs', `${process.pid}-restart-test`); // <pid>- prefix: cleaned up if we are killed
    const broker = await startKafka({ port: port!, controllerPort: controllerPort!, dataDir: dir, fresh: true });
    try {
      const kafka = kafkaClient(broker.brokers);
      const topic = 'survives-restart';
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      await admin.disconnect();
      await produce(kafka, topic, ['before restart']);

      const firstPid = broker.pid;
      await broker.stop();
      assert.equal(broker.isRunning(), false);
      assert.throws(() => process.kill(firstPid, 0), 'the stopped broker process should be gone');

      await broker.start();
      assert.ok(broker.isRunning());
      assert.ok(broker.startupMs > 0);
      const admin2 = kafka.admin();
      await admin2.connect();
      try {
        assert.ok((await admin2.listTopics()).includes(topic), 'topic should survive the restart');
      } finally {
        await admin2.disconnect();
      }
      await produce(kafka, topic, ['after restart']);
      const values = (await consumeFromBeginning(kafka, topic, 2)).map((m) => m.value?.toString()).sort();
      assert.deepEqual(values, ['after restart', 'before restart']);
    } finally {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
