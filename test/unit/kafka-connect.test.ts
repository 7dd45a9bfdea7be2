// A producer connect that meets an unreachable broker waits for it instead of failing the process that starts it
// (kafkajs bails at once when an idempotent producer's initProducerId hits a connection error). The real-broker
// side of this is test/e2e/kafka-outage.test.ts, which stops Kafka while the consumers may still be starting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Producer } from 'kafkajs';
import { connectProducer } from '../../lib/kafka.ts';

void describe('connectProducer', () => {
  void it('retries a connection error until the broker answers', async () => {
    let attempts = 0;
    const producer = {
      connect: async () => {
        attempts++;
        if (attempts < 3) throw new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
      },
    } as unknown as Producer;
    await connectProducer(producer, 'test producer');
    assert.equal(attempts, 3);
  });
});
