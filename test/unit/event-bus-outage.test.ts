// The event bus against a Kafka of its own that is stopped (or frozen) and started again: events emitted during the
// outage are on disk within the spool's commit window and reach Kafka in order once it returns, each once after a
// broker that only hung; a process killed with SIGKILL during the outage loses none of the events it had committed;
// at the spool's size cap, and with a spool directory that cannot be written, the bus sheds the least important
// events first, keeps memory bounded, counts every drop and says it is not accepting work.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMetrics } from '../../gateway/metrics.ts';
import { topicName, type TopicId } from '../../schemas/topics.ts';
import { readEvents, type ReadEvent } from '../helpers/kafka.ts';
import { waitFor } from '../helpers/processes.ts';
import { busKafka } from '../helpers/bus-kafka.ts';

const own = busKafka('outage');
const { dir, freshTopics, startBus, spawnBus } = own;

/** The `seq` of every event in a spool directory's segment files, oldest first. */
function spooledSeqs(spoolDir: string): number[] {
  if (!existsSync(spoolDir) || !statSync(spoolDir).isDirectory()) return [];
  return readdirSync(spoolDir)
    .filter((f) => /^spool-\d+\.jsonl$/.test(f))
    .sort()
    .flatMap((f) => readFileSync(join(spoolDir, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => (JSON.parse((JSON.parse(line) as { value: string }).value) as { seq: number }).seq);
}
const spoolBytes = (spoolDir: string) =>
  readdirSync(spoolDir)
    .filter((f) => /^spool-\d+\.jsonl$/.test(f))
    .reduce((sum, f) => sum + statSync(join(spoolDir, f)).size, 0);

const seqsOn = (events: ReadEvent[], prefix: string, topic: TopicId) => events.filter((e) => e.topic === topicName(topic, prefix)).map((e) => e.value.seq as number);
/** First occurrences, in the order Kafka holds them (a send Kafka stored but did not confirm is sent again; sinks dedupe by event id). */
const firsts = (seqs: number[]) => [...new Set(seqs)];
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/** Emits 10 events at a time; once bus.flushed() says they are in Kafka or on disk, prints how many it emitted and how many Kafka has. */
const EMIT_LOOP = `for (let seq = 0; ; ) {
  for (let k = 0; k < 10; k++) bus.publish('responses', 'tenant', { seq: seq++ });
  await bus.flushed();
  process.stdout.write(seq + ' ' + bus.stats().delivered + '\\n');
  await new Promise((r) => setTimeout(r, 2));
}`;

describe('event bus during a Kafka outage', () => {
  it('has events emitted while Kafka is down on disk within the commit window, and delivers all in order when it returns', async () => {
    const prefix = await freshTopics();
    const fsyncMs = 20;
    const { bus, spoolDir } = startBus(prefix, { spoolFsync: fsyncMs });
    let seq = 0;
    const emit = (n: number) => range(0, n).forEach(() => bus.publish('responses', 'tenant', { seq: seq++ }));
    emit(10);
    await waitFor('delivery while Kafka is up', async () => bus.stats().delivered === 10, 15_000, 20);

    await own.kafka.stop();
    emit(1);
    const noticed = Date.now();
    await waitFor('the bus to notice the outage', async () => bus.stats().spooled > 0, 15_000, 5);
    console.log(`# outage noticed ${Date.now() - noticed} ms after the first event`);
    const from = seq;
    emit(200);
    const started = Date.now();
    await waitFor('the outage events in the spool files', async () => spooledSeqs(spoolDir).filter((s) => s >= from).length === 200, 5_000, 2);
    const onDiskMs = Date.now() - started;
    console.log(`# 200 events on disk after ${onDiskMs} ms (group commit every ${fsyncMs} ms)`);
    assert.ok(onDiskMs < fsyncMs + 250, `on disk within the commit window (took ${onDiskMs} ms)`);
    assert.equal(bus.stats().queued, 0, 'nothing waits in memory');
    assert.ok(bus.accepting());

    await own.kafka.start();
    emit(20); // while the producer reconnects
    const events = await readEvents(own.kafka.brokers, prefix, ['responses'], (es) => new Set(seqsOn(es, prefix, 'responses')).size === seq, 60_000);
    assert.deepEqual(firsts(seqsOn(events, prefix, 'responses')), range(0, seq), 'every event, in emit order');
    await waitFor('the spool to empty', async () => bus.stats().spooled === 0 && spooledSeqs(spoolDir).length === 0, 10_000, 20);
  });

  it('spools events within spool_after_ms of a broker that hangs, and sends each exactly once, in order, when it resumes', async () => {
    const prefix = await freshTopics();
    const spoolAfterMs = 200;
    const { bus, spoolDir } = startBus(prefix, { spoolAfterMs, spoolFsync: 5 });
    let seq = 0;
    const emit = (n: number) => range(0, n).forEach(() => bus.publish('responses', 'tenant', { seq: seq++ }));
    emit(10);
    await waitFor('delivery while Kafka is up', async () => bus.stats().delivered === 10, 15_000, 20);
    process.kill(own.kafka.pid, 'SIGSTOP'); // the broker stops answering; connections stay open
    try {
      emit(5); // their send hangs
      const started = Date.now();
      await waitFor('the hanging send to be spooled', async () => spooledSeqs(spoolDir).length === 5, 5_000, 5);
      const spooledMs = Date.now() - started;
      console.log(`# events of a hanging send on disk after ${spooledMs} ms`);
      assert.ok(spooledMs < spoolAfterMs + 20 + 250, `spooled within spool_after_ms plus linger (took ${spooledMs} ms)`);
      emit(100);
      await waitFor('new events on disk', async () => spooledSeqs(spoolDir).length === 105, 5_000, 5);
      assert.equal(bus.stats().queued, 0);
    } finally {
      process.kill(own.kafka.pid, 'SIGCONT');
    }
    await waitFor('the spool to drain', async () => bus.stats().spooled === 0, 30_000, 20);
    const events = await readEvents(own.kafka.brokers, prefix, ['responses'], (es) => new Set(seqsOn(es, prefix, 'responses')).size === seq, 30_000);
    assert.deepEqual(seqsOn(events, prefix, 'responses'), range(0, seq), 'each event once (the hung send went through: not sent again from the spool), in order');
  });

  it('loses no committed event when the process is killed with SIGKILL during the outage; a restart delivers them in order', async () => {
    const prefix = await freshTopics();
    let committed = 0;
    let delivered = 0;
    const emitter = spawnBus('emitter', prefix, { spoolFsync: 5 }, EMIT_LOOP, (line) => ([committed, delivered] = line.split(' ').map(Number) as [number, number]));
    const spoolDir = emitter.spoolDir;
    try {
      await waitFor('events delivered while Kafka is up', async () => delivered >= 300, 30_000, 10);
      await own.kafka.stop();
      const atStop = committed;
      await waitFor('events committed to the spool during the outage', async () => committed >= atStop + 500, 30_000, 10);
    } finally {
      await emitter.kill();
    }
    const killedAt = committed;
    const onDisk = spooledSeqs(spoolDir);
    console.log(`# killed after ${killedAt} committed events (${delivered} of them in Kafka); ${onDisk.length} in the spool`);
    assert.ok(onDisk.length > 0);

    await own.kafka.start();
    const { bus } = startBus(prefix, { spoolDir }); // the restarted process
    await waitFor('the spool to drain', async () => bus.stats().spooled === 0, 30_000, 50);
    // Everything up to the newest event on disk: delivered before the outage, or spooled.
    const expected = Math.max(...onDisk) + 1;
    assert.ok(expected >= killedAt, `every committed event was on disk (${expected} < ${killedAt})`);
    const events = await readEvents(own.kafka.brokers, prefix, ['responses'], (es) => new Set(seqsOn(es, prefix, 'responses')).size >= expected, 30_000);
    // Response events are billing events: those emitted but not yet in the spool at the kill are in the WAL, and
    // come after the spool's.
    const inKafka = firsts(seqsOn(events, prefix, 'responses'));
    console.log(`# delivered ${inKafka.length} events: ${inKafka.length - killedAt} more than the last commit report (${inKafka.length - expected} from the WAL)`);
    assert.ok(inKafka.length >= expected);
    assert.deepEqual(inKafka, range(0, inKafka.length), 'every committed event, in order, no gap');
  });

  it('at the size cap drops request events first, keeps response events in bounded memory, counts every drop and stops accepting', async () => {
    const prefix = await freshTopics();
    await own.kafka.stop();
    const capBytes = 64 * 1024;
    const memoryMax = 100;
    const { bus, spoolDir } = startBus(prefix, { spoolMaxBytes: capBytes, memoryMax, spoolFsync: 1 });
    const pairs = 600;
    for (let seq = 0; seq < pairs; seq++) {
      bus.publish('requests', 'tenant', { seq, pad: 'r'.repeat(400) });
      bus.publish('responses', 'tenant', { seq, pad: 's'.repeat(400) });
      if (seq % 10 === 9) await new Promise((r) => setTimeout(r, 3)); // traffic, not one burst: commits keep up
    }
    await new Promise((r) => setTimeout(r, 200));
    const stats = bus.stats();
    console.log(`# at the cap: ${JSON.stringify({ spooled: stats.spooled, spoolBytes: stats.spoolBytes, dropped: stats.dropped })}`);
    assert.ok(spoolBytes(spoolDir) <= capBytes, `the files stay under the cap (${spoolBytes(spoolDir)} bytes)`);
    assert.equal(bus.accepting(), false, 'not accepting new work at the cap');
    assert.equal(stats.accepting, false);
    assert.ok(stats.dropped.spool_full > 0, 'request events shed');
    assert.ok(stats.dropped.memory_full > 0, 'responses beyond disk and memory are dropped, and counted');
    assert.ok(stats.spooled <= spooledSeqs(spoolDir).length + memoryMax, 'memory holds at most memory_queue_max events');
    const metrics = createMetrics({ models: [] });
    metrics.setSpool(() => bus.stats());
    const exposed = await metrics.registry.metrics();
    assert.match(exposed, new RegExp(`^helix_events_dropped_total\\{reason="spool_full"\\} ${stats.dropped.spool_full}$`, 'm'));
    assert.match(exposed, /^helix_event_spool_bytes [1-9]\d*$/m);

    await own.kafka.start();
    await waitFor('the spool to drain', async () => bus.stats().spooled === 0, 30_000, 50);
    const dropped = Object.values(bus.stats().dropped).reduce((a, b) => a + b, 0);
    const count = (es: ReadEvent[], topic: TopicId) => new Set(seqsOn(es, prefix, topic)).size;
    const events = await readEvents(own.kafka.brokers, prefix, ['requests', 'responses'], (es) => count(es, 'requests') + count(es, 'responses') >= 2 * pairs - dropped, 30_000);
    const responses = firsts(seqsOn(events, prefix, 'responses'));
    const requests = firsts(seqsOn(events, prefix, 'requests'));
    console.log(`# delivered ${responses.length} responses and ${requests.length} requests of ${pairs} each`);
    assert.equal(responses.length + requests.length + dropped, 2 * pairs, 'every event delivered or counted as dropped');
    const increasing = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!);
    assert.ok(increasing(responses) && increasing(requests), 'in emit order');
    assert.ok(responses.length > requests.length, 'responses outlive requests at the cap');
    await waitFor('accepting again once the spool drained', async () => bus.accepting() && bus.stats().spooled === 0, 20_000, 50);
  });

  it('with a spool directory that cannot be written: no crash, memory bounded, drops counted, the kept events delivered when Kafka returns', async () => {
    const prefix = await freshTopics();
    await own.kafka.stop();
    const blocker = join(mkdtempSync(join(dir, 'unwritable-')), 'not-a-dir');
    writeFileSync(blocker, '');
    const memoryMax = 100;
    const { bus } = startBus(prefix, { spoolDir: join(blocker, 'spool'), memoryMax });
    for (let seq = 0; seq < 5_000; seq++) {
      bus.publish('requests', 'tenant', { seq });
      bus.publish('responses', 'tenant', { seq });
    }
    const stats = bus.stats();
    assert.equal(stats.spooled, memoryMax, 'memory holds memory_queue_max events, no more');
    assert.deepEqual(stats.dropped, { spool_full: 0, spool_unwritable: 5_000, memory_full: 5_000 - memoryMax, unwritten_at_close: 0, closed: 0 });
    assert.equal(bus.accepting(), false);
    assert.ok(stats.spoolWriteFailures > 0, 'the failure is counted');

    await own.kafka.start();
    const events = await readEvents(own.kafka.brokers, prefix, ['responses'], (es) => new Set(seqsOn(es, prefix, 'responses')).size >= memoryMax, 60_000);
    assert.deepEqual(firsts(seqsOn(events, prefix, 'responses')), range(0, memoryMax));
    await waitFor('the bus to leave the spool', async () => bus.stats().spooled === 0, 20_000, 50);
    bus.publish('responses', 'tenant', { seq: 'after' });
    await waitFor('events flow again', async () => bus.stats().delivered === memoryMax + 1, 20_000, 50);
  });
});
