// On the test run's real Kafka: an event Kafka can never take must not hold up the events behind it. Oversized events
// are truncated (or dead-lettered when they cannot be), a spool that holds an unsendable line drains, and a message
// the broker itself refuses is isolated from its batch and dead-lettered alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type EventBusOptions } from '../../lib/event-bus.ts';
import { DEAD_LETTER_FILE, type DeadLetterRecord } from '../../lib/event-dead-letter.ts';
import { MAX_EVENT_BYTES } from '../../lib/event-size.ts';
import { createKafka, ensureTopics, retryRetriable } from '../../lib/kafka.ts';
import { topicName, type TopicId } from '../../schemas/topics.ts';
import { readEvents, type ReadEvent } from '../helpers/kafka.ts';

const brokers = (process.env.HELIX_KAFKA_BROKERS ?? '').split(',');
const kafka = createKafka(brokers, 'helix-test-event-bus');
const MB = 1_000_000;
/** Small enough that a 50 KB event passes the bus's cap but not the broker. */
const BROKER_LIMIT_BYTES = 20_000;
/** Smaller than any dead-letter record (they carry up to 1 KiB of the event). */
const TINY_LIMIT_BYTES = 1_000;

const event = (label: string, extra: Record<string, unknown> = {}) => ({ event_id: randomUUID(), type: 'response', label, ...extra });

const buses: EventBus[] = [];
after(async () => {
  await Promise.all(buses.map((b) => b.close(1_000)));
});

function startBus(prefix: string, opts: Partial<EventBusOptions> = {}): EventBus {
  const bus = new EventBus({ kafka, topicPrefix: prefix, spoolDir: mkdtempSync(join(tmpdir(), 'helix-bus-')), ...opts });
  bus.start();
  buses.push(bus);
  return bus;
}

/** Topics for a fresh prefix; `limited` ones take messages of at most `limitBytes`. */
async function createTopics(prefix: string, ids: TopicId[], limited: TopicId[], limitBytes: number): Promise<void> {
  await ensureTopics(kafka, prefix, ids);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const config = [{ name: 'max.message.bytes', value: String(limitBytes) }];
    await retryRetriable(() => admin.createTopics({ waitForLeaders: true, topics: limited.map((id) => ({ topic: topicName(id, prefix), numPartitions: 3, replicationFactor: -1, configEntries: config })) }));
  } finally {
    await admin.disconnect();
  }
}

const labelled = (events: ReadEvent[], label: string) => events.filter((e) => e.value.label === label);

describe('event bus with events Kafka cannot take', () => {
  const prefix = `test-bus-${randomBytes(4).toString('hex')}.`;
  before(() => createTopics(prefix, ['requests', 'deadLetter'], ['responses'], BROKER_LIMIT_BYTES));
  const deadLetters = (events: ReadEvent[], eventId: unknown) => events.filter((e) => e.topic === topicName('deadLetter', prefix) && e.value.event_id === eventId);

  it('truncates a 2 MB event to the cap and delivers it, and the event behind it arrives within seconds', async () => {
    const bus = startBus(prefix);
    const huge = event('huge', { model: 'm'.repeat(2 * MB) });
    bus.publish('requests', 'tenant-a', huge);
    const started = Date.now();
    bus.publish('requests', 'tenant-a', event('after-huge'));
    const events = await readEvents(brokers, prefix, ['requests'], (es) => labelled(es, 'after-huge').length > 0, 15_000);
    console.log(`# event behind a 2 MB event arrived after ${Date.now() - started} ms`);
    const [delivered] = labelled(events, 'huge');
    assert.ok(delivered, 'the truncated event is delivered');
    assert.equal(delivered.value.event_id, huge.event_id);
    assert.match(String(delivered.value.model), /^m+…\[truncated \d+ chars\]$/);
    assert.ok(Buffer.byteLength(JSON.stringify(delivered.value)) <= MAX_EVENT_BYTES);
    assert.deepEqual(bus.stats().truncated, 1);
  });

  it('dead-letters an event that cannot fit even truncated, and the event behind it still arrives', async () => {
    const bus = startBus(prefix);
    const unfit = event('unfit', { tags: Array.from({ length: 50_000 }, (_, i) => `tag-${i}`) });
    bus.publish('requests', 'tenant-b', unfit);
    bus.publish('requests', 'tenant-b', event('after-unfit'));
    const events = await readEvents(brokers, prefix, ['requests', 'deadLetter'], (es) => labelled(es, 'after-unfit').length > 0 && deadLetters(es, unfit.event_id).length > 0, 15_000);
    assert.equal(labelled(events, 'unfit').length, 0);
    const record = deadLetters(events, unfit.event_id)[0]!.value as unknown as DeadLetterRecord;
    assert.equal(record.source, 'event-bus');
    assert.equal(record.topic, topicName('requests', prefix));
    assert.equal(record.type, 'response');
    assert.ok(record.size_bytes > MAX_EVENT_BYTES);
    assert.ok(record.value_head.length <= 1024 && record.value_head.startsWith('{"event_id"'));
    assert.match(record.reason, /cap/);
    assert.equal(bus.stats().deadLettered, 1);
  });

  it('drains a spool holding lines from before the cap (and lines that are not messages), then delivers new events', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'helix-bus-'));
    const line = (value: string) => JSON.stringify({ topic: topicName('requests', prefix), key: 'tenant-c', value });
    const first = event('spooled-before');
    const oversized = event('spooled-oversized', { model: 'o'.repeat(2 * MB) });
    const spooledAfter = event('spooled-after');
    const lines = [line(JSON.stringify(first)), line(JSON.stringify(oversized)), line('not json '.repeat(250_000)), '42', '{"topic":7}', line(JSON.stringify(spooledAfter))];
    writeFileSync(join(spoolDir, 'spool-0000000001.jsonl'), lines.join('\n') + '\n');
    const bus = startBus(prefix, { spoolDir });
    bus.publish('requests', 'tenant-c', event('published-later'));
    const events = await readEvents(brokers, prefix, ['requests'], (es) => labelled(es, 'published-later').length > 0, 20_000);
    const order = events.filter((e) => e.key === 'tenant-c').map((e) => e.value.label);
    assert.deepEqual(order, ['spooled-before', 'spooled-oversized', 'spooled-after', 'published-later']);
    assert.deepEqual(readdirSync(spoolDir).filter((f) => f.startsWith('spool-')), [], 'the spool is empty');
    assert.deepEqual({ truncated: bus.stats().truncated, deadLettered: bus.stats().deadLettered }, { truncated: 1, deadLettered: 1 });
  });

  it('dead-letters only the message the broker refuses and delivers the rest of its batch', async () => {
    const bus = startBus(prefix);
    const labels = Array.from({ length: 12 }, (_, i) => `batch-${i}`);
    const refused = event('refused', { prompt: 'p'.repeat(50_000) });
    labels.forEach((label, i) => {
      bus.publish('responses', `tenant-${i % 4}`, event(label));
      if (i === 5) bus.publish('responses', 'tenant-1', refused);
    });
    const events = await readEvents(
      brokers,
      prefix,
      ['responses', 'deadLetter'],
      (es) => labels.every((l) => labelled(es, l).length > 0) && deadLetters(es, refused.event_id).length > 0,
      20_000,
    );
    assert.equal(labelled(events, 'refused').length, 0);
    const dead = events.filter((e) => e.topic === topicName('deadLetter', prefix) && String(e.value.topic) === topicName('responses', prefix));
    assert.equal(dead.length, 1, 'one dead letter: the refused message');
    assert.match(String(dead[0]!.value.reason), /MESSAGE_TOO_LARGE/);
    for (let k = 0; k < 4; k++) {
      const firsts = [...new Set(events.filter((e) => e.key === `tenant-${k}` && e.topic === topicName('responses', prefix)).map((e) => e.value.label))];
      assert.deepEqual(firsts, labels.filter((_, i) => i % 4 === k), `tenant-${k}'s events in order`);
    }
    assert.equal(bus.stats().deadLettered, 1);
  });

});

describe('event bus when the dead-letter topic refuses too', () => {
  const prefix = `test-bus-${randomBytes(4).toString('hex')}.`;
  before(() => createTopics(prefix, [], ['responses', 'deadLetter'], TINY_LIMIT_BYTES));

  it('writes the dead-letter record to the local file and goes on', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'helix-bus-'));
    const bus = startBus(prefix, { spoolDir });
    const refused = event('refused', { prompt: 'r'.repeat(5_000) });
    bus.publish('responses', 'tenant-z', refused);
    bus.publish('responses', 'tenant-z', event('after-refused'));
    await readEvents(brokers, prefix, ['responses'], (es) => labelled(es, 'after-refused').length > 0, 20_000);
    const file = join(spoolDir, DEAD_LETTER_FILE);
    assert.ok(existsSync(file), 'dead-letter file written');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeadLetterRecord);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.event_id, refused.event_id);
    assert.match(lines[0]!.reason, /MESSAGE_TOO_LARGE/);
    assert.ok(lines[0]!.value_head.includes(topicName('responses', prefix)), 'the head names the event\'s own topic');
    assert.equal(bus.stats().deadLettered, 1);
  });
});
