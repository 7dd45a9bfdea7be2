// The billing-event WAL against a real Kafka: a process killed with SIGKILL right after committed() resolved loses
// none of those events (a restart on the same spool directory delivers them, duplicates allowed); committed() takes
// a few ms; the WAL stays a couple of small segments while Kafka keeps up; an unwritable WAL directory neither
// blocks committed() nor goes uncounted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicName } from '../../schemas/topics.ts';
import { readEvents, type ReadEvent } from '../helpers/kafka.ts';
import { waitFor } from '../helpers/processes.ts';
import { busKafka } from '../helpers/bus-kafka.ts';

const own = busKafka('wal');
const { dir, freshTopics, startBus, spawnBus } = own;

const walFiles = (spoolDir: string) => (existsSync(join(spoolDir, 'wal')) ? readdirSync(join(spoolDir, 'wal')).filter((f) => /^wal-\d+\.jsonl$/.test(f)) : []);
const walLines = (spoolDir: string) => walFiles(spoolDir).reduce((n, f) => n + readFileSync(join(spoolDir, 'wal', f), 'utf8').split('\n').filter(Boolean).length, 0);
const seqsOn = (events: ReadEvent[], prefix: string) => events.filter((e) => e.topic === topicName('responses', prefix)).map((e) => e.value.seq as number);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Emits a few billing events (and a request event) at a time, awaits committed() and prints their seqs. */
const COMMIT_LOOP = `for (let seq = 0; ; ) {
  const ids = [];
  for (let k = 0; k < 5; k++) { bus.publish('requests', 'tenant', { seq }); bus.publish('responses', 'tenant', { seq }); ids.push(seq++); }
  await bus.committed();
  process.stdout.write(ids.join(' ') + '\\n');
  await new Promise((r) => setTimeout(r, 1));
}`;

describe('billing-event WAL', () => {
  it('loses no event whose committed() resolved when the process is killed with SIGKILL while Kafka is up', async () => {
    const prefix = await freshTopics();
    const committed = new Set<number>();
    const committer = spawnBus('committer', prefix, { walCommitMs: 2 }, COMMIT_LOOP, (line) => {
      if (!/^\d+( \d+)*$/.test(line)) return; // not a report (a warning on stdout)
      for (const id of line.split(' ')) committed.add(Number(id));
      if (committed.size >= 2_000) committer.child.kill('SIGKILL'); // at once: events of the last linger window are in memory only
    });
    const spoolDir = committer.spoolDir;
    try {
      await waitFor('events committed', async () => committed.size >= 2_000, 60_000, 5);
    } finally {
      await committer.kill();
    }
    const inWal = walLines(spoolDir);
    console.log(`# killed after ${committed.size} committed billing events; ${inWal} lines in ${walFiles(spoolDir).length} WAL segment(s)`);

    const { bus } = startBus(prefix, { spoolDir }); // the restarted process
    const deadline = Date.now() + 30_000; // then say which are missing rather than only that some are
    const events = await readEvents(own.kafka.brokers, prefix, ['responses'], (es) => Date.now() > deadline || [...committed].every((s) => seqsOn(es, prefix).includes(s)), 60_000);
    const seqs = seqsOn(events, prefix);
    const missing = [...committed].filter((s) => !seqs.includes(s));
    console.log(`# in Kafka: ${seqs.length} response events, ${new Set(seqs).size} distinct, ${seqs.length - new Set(seqs).size} duplicates; ${missing.length} committed missing`);
    assert.deepEqual(missing.slice(0, 20), [], `every committed billing event reached Kafka (${JSON.stringify(bus.stats())})`);
    await waitFor('the WAL of the killed process deleted', async () => walFiles(spoolDir).length <= 1 && bus.stats().spooled === 0, 20_000, 50);
  });

  it('resolves committed() within a few ms in steady state', async () => {
    const prefix = await freshTopics();
    const { bus, spoolDir } = startBus(prefix, { walCommitMs: 2 });
    await waitFor('connected', async () => bus.stats().connected, 15_000, 10);
    const took: number[] = [];
    for (let seq = 0; seq < 1_000; seq++) {
      bus.publish('responses', 'tenant', { seq });
      const started = performance.now();
      await bus.committed();
      took.push(performance.now() - started);
      if (seq % 50 === 0) {
        // Resolved means durable: on disk in the WAL, or already in Kafka (delivered in emit order).
        const wal = walFiles(spoolDir).flatMap((f) => readFileSync(join(spoolDir, 'wal', f), 'utf8').split('\n'));
        const onDisk = wal.some((line) => line.includes(`{"seq":${seq}}`));
        assert.ok(onDisk || bus.stats().delivered > seq, `event ${seq} durable once committed() resolved`);
      }
    }
    took.sort((a, b) => a - b);
    const [p50, p99] = [percentile(took, 50), percentile(took, 99)];
    console.log(`# committed() over 1000 calls: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${took.at(-1)!.toFixed(2)} ms`);
    assert.ok(p50 < 15, `p50 ${p50} ms`);
    assert.ok(p99 < 100, `p99 ${p99} ms`);
    // Calls in the same tick share one promise.
    bus.publish('responses', 'tenant', { seq: 'shared' });
    assert.equal(bus.committed(), bus.committed());
    await waitFor('delivery', async () => bus.stats().delivered === 1_001, 15_000, 20);
  });

  it('keeps the WAL to a couple of small segments while Kafka keeps up', async () => {
    const prefix = await freshTopics();
    const { bus, spoolDir } = startBus(prefix);
    await waitFor('connected', async () => bus.stats().connected, 15_000, 10);
    let maxFiles = 0;
    let maxBytes = 0;
    const sample = () => {
      const files = walFiles(spoolDir);
      maxFiles = Math.max(maxFiles, files.length);
      maxBytes = Math.max(maxBytes, files.reduce((sum, f) => sum + (existsSync(join(spoolDir, 'wal', f)) ? statSync(join(spoolDir, 'wal', f)).size : 0), 0));
    };
    for (let seq = 0; seq < 10_000; seq++) {
      bus.publish('responses', 'tenant', { seq, pad: 'x'.repeat(200) });
      if (seq % 50 === 49) {
        await new Promise((r) => setTimeout(r, 2)); // traffic, not one burst
        if (seq % 500 === 499) sample();
      }
    }
    await waitFor('delivery', async () => bus.stats().delivered === 10_000, 30_000, 20);
    await new Promise((r) => setTimeout(r, 1_200)); // a segment roll
    await bus.committed();
    sample();
    const files = walFiles(spoolDir);
    const bytes = files.reduce((sum, f) => sum + statSync(join(spoolDir, 'wal', f)).size, 0);
    console.log(`# after 10k events: ${files.length} WAL segment(s), ${bytes} bytes; at most ${maxFiles} segments / ${maxBytes} bytes while sending`);
    assert.ok(files.length <= 2, `${files.length} segments left`);
    assert.ok(bytes < 512 * 1024, `${bytes} bytes left`);
    assert.ok(maxFiles <= 3, `${maxFiles} segments at most while sending`);
    assert.equal(bus.stats().walWriteFailures, 0);
  });

  it('with a WAL directory that cannot be written: committed() still resolves, the failure is counted, events are delivered', async () => {
    const prefix = await freshTopics();
    const spoolDir = mkdtempSync(join(dir, 'spool-unwritable-'));
    writeFileSync(join(spoolDir, 'wal'), 'a file where the WAL directory should be');
    const { bus } = startBus(prefix, { spoolDir });
    await waitFor('connected', async () => bus.stats().connected, 15_000, 10);
    const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms));
    for (let round = 0; round < 2; round++) {
      for (let seq = 0; seq < 10; seq++) bus.publish('responses', 'tenant', { seq: round * 10 + seq });
      assert.notEqual(await Promise.race([bus.committed().then(() => 'ok'), timeout(200)]), 'timeout', 'committed() resolves');
      await new Promise((r) => setTimeout(r, 1_100)); // past the retry back-off: the next commit tries the disk again
    }
    for (let seq = 20; seq < 30; seq++) bus.publish('responses', 'tenant', { seq });
    assert.notEqual(await Promise.race([bus.committed().then(() => 'ok'), timeout(200)]), 'timeout', 'committed() resolves');
    const failures = bus.stats().walWriteFailures;
    console.log(`# WAL write failures counted: ${failures}`);
    assert.ok(failures >= 2, `failures counted (${failures})`);
    const events = await readEvents(own.kafka.brokers, prefix, ['responses'], (es) => new Set(seqsOn(es, prefix)).size >= 30, 30_000);
    assert.equal(new Set(seqsOn(events, prefix)).size, 30, 'every event delivered regardless');
  });
});
