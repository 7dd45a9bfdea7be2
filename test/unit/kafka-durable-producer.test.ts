// The durable producer turns a send that Kafka answered for only some of its partitions into a failure (kafkajs can
// resolve such a send when a leader moves mid-send), and the replication Helix gives its topics follows the cluster's
// size unless the environment says otherwise. The producer runs on a fake kafkajs client that answers for chosen
// partitions; the broker-kill end-to-end test is test/e2e/kafka-cluster.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ICustomPartitioner, Kafka, ProducerBatch, ProducerConfig, RecordMetadata } from 'kafkajs';
import { createDurableProducer, defaultReplication, replicationSettings } from '../../lib/kafka.ts';

const PARTITIONS = 3;

/** A kafkajs client whose producer partitions each message as kafkajs does and answers for `answered` partitions. */
function fakeKafka(answered: (partitions: number[]) => number[]): { kafka: Kafka; configs: ProducerConfig[] } {
  const configs: ProducerConfig[] = [];
  const kafka = {
    producer(config: ProducerConfig) {
      configs.push(config);
      const partitioner = config.createPartitioner!();
      const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
      return {
        async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
          return (batch.topicMessages ?? []).flatMap(({ topic, messages }) => {
            const used = [...new Set(messages.map((message) => partitioner({ topic, partitionMetadata, message })))];
            return answered(used).map((partition) => ({ topicName: topic, partition, errorCode: 0 }));
          });
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, configs };
}

const byKey: ICustomPartitioner = () => (args) => Number(args.message.key) % PARTITIONS;
const messages = (...keys: number[]) => keys.map((k) => ({ key: String(k), value: `v${k}` }));

describe('durable producer', () => {
  it('is idempotent, one request in flight, and never creates topics', () => {
    const { kafka, configs } = fakeKafka((p) => p);
    createDurableProducer(kafka);
    assert.equal(configs[0]!.idempotent, true);
    assert.equal(configs[0]!.maxInFlightRequests, 1);
    assert.equal(configs[0]!.allowAutoTopicCreation, false);
  });

  it('resolves when every partition it sent to answered', async () => {
    const producer = createDurableProducer(fakeKafka((p) => p).kafka, { createPartitioner: byKey });
    const answer = await producer.sendBatch({ acks: -1, topicMessages: [{ topic: 'a', messages: messages(0, 1, 2, 4) }] });
    assert.deepEqual(answer.map((r) => r.partition).sort(), [0, 1, 2]);
  });

  it('fails, naming them, when partitions it had messages for went unanswered', async () => {
    const producer = createDurableProducer(fakeKafka((p) => p.filter((x) => x !== 1)).kafka, { createPartitioner: byKey });
    await assert.rejects(producer.sendBatch({ acks: -1, topicMessages: [{ topic: 'a', messages: messages(0, 1, 4) }, { topic: 'b', messages: messages(1, 2) }] }), (err: Error & { retriable?: boolean }) => {
      assert.match(err.message, /a\[1\], b\[1\] unacknowledged/);
      assert.equal(err.retriable, true);
      return true;
    });
    await assert.rejects(producer.send({ topic: 'c', acks: -1, messages: messages(7) }), /c\[1\]/);
  });
});

describe('topic replication', () => {
  it('gives 3 copies, 2 needed for a write, from 3 brokers on; what there is below', () => {
    assert.deepEqual([1, 2, 3, 5].map(defaultReplication), [
      { factor: 1, minInsync: 1 },
      { factor: 2, minInsync: 1 },
      { factor: 3, minInsync: 2 },
      { factor: 3, minInsync: 2 },
    ]);
  });

  it('takes the factor and min.insync.replicas from the environment, checked', () => {
    assert.deepEqual(replicationSettings({}), {});
    assert.deepEqual(replicationSettings({ HELIX_KAFKA_REPLICATION_FACTOR: '5', HELIX_KAFKA_MIN_INSYNC_REPLICAS: '3' }), { factor: 5, minInsync: 3 });
    assert.throws(() => replicationSettings({ HELIX_KAFKA_REPLICATION_FACTOR: 'three' }), /HELIX_KAFKA_REPLICATION_FACTOR must be a whole number/);
    assert.throws(() => replicationSettings({ HELIX_KAFKA_MIN_INSYNC_REPLICAS: '0' }), /HELIX_KAFKA_MIN_INSYNC_REPLICAS/);
    assert.throws(() => replicationSettings({ HELIX_KAFKA_REPLICATION_FACTOR: '2', HELIX_KAFKA_MIN_INSYNC_REPLICAS: '3' }), /cannot exceed/);
  });
});
