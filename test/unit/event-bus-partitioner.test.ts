// The event bus remembers kafkajs's partition choice per key; it must be the default partitioner's choice for every
// key and partition count (per-tenant ordering depends on it), and leave unkeyed / explicit-partition messages alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { cachedDefaultPartitioner } from '../../lib/event-bus.ts';

const partitions = (n: number): PartitionMetadata[] => Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('event bus partitioner', () => {
  it('picks the default partitioner’s partition for every key and partition count, also on repeats', () => {
    const reference = Partitioners.DefaultPartitioner();
    const cached = cachedDefaultPartitioner();
    const keys = ['anonymous', 'key_0123456789abcdef', 'jwt:alice@example.com', 'ключ-✓', '', ...Array.from({ length: 300 }, (_, i) => `key_${i}`)];
    for (const n of [1, 3, 6, 7, 12]) {
      for (let round = 0; round < 2; round++) {
        for (const key of keys) {
          const args = { topic: 'helix.requests', partitionMetadata: partitions(n), message: { key, value: '{}' } };
          assert.equal(cached(args), reference(args), `key ${JSON.stringify(key)}, ${n} partitions`);
        }
      }
    }
  });

  it('keeps an explicit partition and spreads unkeyed messages like the default', () => {
    const cached = cachedDefaultPartitioner();
    assert.equal(cached({ topic: 't', partitionMetadata: partitions(6), message: { key: 'anonymous', value: '{}', partition: 4 } }), 4);
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) seen.add(cached({ topic: 't', partitionMetadata: partitions(6), message: { value: '{}' } }));
    assert.ok(seen.size > 1, 'unkeyed messages are not pinned to one partition');
  });
});
