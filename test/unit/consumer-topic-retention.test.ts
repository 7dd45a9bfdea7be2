// Topic retention on the test run's Kafka: topics are created keeping what they promise (a billing period for the
// replayable topics, the cache TTL for cache fills, long for dead letters), a changed setting is applied to topics
// that exist already, and a topic's other overrides survive that.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import kafkajs, { type Admin } from 'kafkajs';
import { createKafka, ensureTopics, retentionMs } from '../../lib/kafka.ts';
import { TOPICS, topicName, type TopicId } from '../../schemas/topics.ts';
import { waitFor } from '../helpers/processes.ts';

const { ConfigResourceTypes } = kafkajs;
const DAY_MS = 86_400_000;
const brokers = (process.env.HELIX_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('topic retention', () => {
  const kafka = createKafka(brokers, 'test-topic-retention');
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  let admin: Admin;

  /** retention.ms (and max.message.bytes) of each topic, as the broker reports them. */
  const configs = async (ids: TopicId[]) => {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: ids.map((id) => ({ type: ConfigResourceTypes.TOPIC, name: topicName(id, prefix) })) });
    return Object.fromEntries(
      ids.map((id) => {
        const entries = resources.find((r) => r.resourceName === topicName(id, prefix))!.configEntries;
        const value = (name: string) => entries.find((e) => e.configName === name)?.configValue;
        return [id, { retentionDays: Number(value('retention.ms')) / DAY_MS, maxMessageBytes: value('max.message.bytes') }];
      }),
    );
  };

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: (Object.keys(TOPICS) as TopicId[]).map((id) => topicName(id, prefix)) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates each topic with the retention its promise needs', async () => {
    await ensureTopics(kafka, prefix, undefined, retentionMs({}));
    const got = await configs(['responses', 'ledger', 'cache', 'requests', 'cacheFill', 'deadLetter']);
    assert.deepEqual(
      Object.fromEntries(Object.entries(got).map(([id, c]) => [id, c.retentionDays])),
      { responses: 35, ledger: 35, cache: 35, requests: 35, cacheFill: 8, deadLetter: 90 },
    );
  });

  it('applies a changed retention to existing topics and keeps their other overrides', async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topicName('ledger', prefix), configEntries: [{ name: 'retention.ms', value: String(35 * DAY_MS) }, { name: 'max.message.bytes', value: '2097152' }] }],
    });
    // The broker applies config changes asynchronously.
    await waitFor('the override', async () => (await configs(['ledger'])).ledger!.maxMessageBytes === '2097152', 10_000, 50);
    await ensureTopics(kafka, prefix, undefined, retentionMs({ HELIX_TOPIC_RETENTION_DAYS: '62', HELIX_DEAD_LETTER_RETENTION_DAYS: '180' }));
    const got = await waitFor('the new retention', async () => {
      const c = await configs(['ledger', 'responses', 'cacheFill', 'deadLetter']);
      return c.ledger!.retentionDays !== 35 ? c : undefined;
    }, 10_000, 50);
    assert.deepEqual(got.ledger, { retentionDays: 62, maxMessageBytes: '2097152' });
    assert.equal(got.responses!.retentionDays, 62);
    assert.equal(got.cacheFill!.retentionDays, 8);
    assert.equal(got.deadLetter!.retentionDays, 180);
  });

  it('refuses a retention that is not a positive number of days', () => {
    assert.throws(() => retentionMs({ HELIX_CACHE_FILL_RETENTION_DAYS: 'a week' }), /HELIX_CACHE_FILL_RETENTION_DAYS must be a positive number of days/);
    assert.throws(() => retentionMs({ HELIX_TOPIC_RETENTION_DAYS: '0' }), /HELIX_TOPIC_RETENTION_DAYS/);
  });
});
