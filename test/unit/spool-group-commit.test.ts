// The disk spool on its own (no Kafka): appended events reach the segment files within the group-commit window, a
// restarted spool finds them in order, the size cap holds on disk, and a directory that cannot be written (or a full
// disk) neither throws nor loses what waits in memory once writing works again.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskSpool, spoolLine, type SpooledMessage } from '../../lib/spool.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'helix-spool-'));
  dirs.push(dir);
  return dir;
};

const message = (i: number, pad = 0): SpooledMessage => ({ topic: 'helix.responses', key: 'tenant', value: JSON.stringify({ i, pad: 'x'.repeat(pad) }) });
const indexes = (messages: SpooledMessage[]) => messages.map((m) => (JSON.parse(m.value) as { i: number }).i);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/** The event indexes in the directory's segment files, oldest file first, read the way a restarted process would. */
function onDisk(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => /^spool-\d+\.jsonl$/.test(f))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => (JSON.parse((JSON.parse(line) as SpooledMessage).value) as { i: number }).i);
}
const diskBytes = (dir: string) => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return Date.now() - started;
}

describe('disk spool', () => {
  for (const fsync of [20, 'always', 'never'] as const) {
    it(`writes appended events to disk within the commit window (fsync ${fsync})`, async () => {
      const dir = freshDir();
      const spool = new DiskSpool(dir, { fsync });
      for (const i of range(0, 50)) spool.append(spoolLine(message(i)));
      const window = typeof fsync === 'number' ? fsync : 0;
      const took = await until('all 50 events on disk', () => onDisk(dir).length === 50, window + 500);
      console.log(`# fsync ${fsync}: on disk after ${took} ms`);
      assert.deepEqual(onDisk(dir), range(0, 50));
      await spool.flushed();
      await spool.close();
    });
  }

  it('hands a restarted process its segments oldest first, skipping a torn last line, and deletes them once acknowledged', async () => {
    const dir = freshDir();
    const first = new DiskSpool(dir, { fsync: 1 });
    for (const i of range(0, 12_000)) first.append(spoolLine(message(i))); // more than one segment
    await first.flushed();
    await first.close();
    const files = readdirSync(dir).sort();
    assert.ok(files.length >= 3, `segments roll over (${files.length})`);
    writeFileSync(join(dir, files.at(-1)!), readFileSync(join(dir, files.at(-1)!), 'utf8') + '{"topic":"helix.responses","key":"ten'); // a crash mid-write

    const restarted = new DiskSpool(dir, { fsync: 1 });
    assert.equal(restarted.size, 12_001, 'the torn line is counted until its segment is drained');
    restarted.append(spoolLine(message(12_000)));
    const seen: number[] = [];
    for (let segment = await restarted.takeOldest(); segment; segment = await restarted.takeOldest()) {
      seen.push(...indexes(segment.messages));
      await restarted.acknowledge(segment.seq);
    }
    assert.deepEqual(seen, range(0, 12_001));
    assert.equal(restarted.size, 0);
    assert.deepEqual(readdirSync(dir), [], 'every segment deleted');
    await restarted.close();
  });

  it('keeps the bytes on disk under the size cap; lines beyond it wait in memory and are written as delivery frees room', async () => {
    const dir = freshDir();
    const line = spoolLine(message(0, 900)).length;
    const spool = new DiskSpool(dir, { fsync: 1, maxBytes: 5 * line });
    for (const i of range(0, 5)) spool.append(spoolLine(message(i, 900)));
    const oldest = await spool.takeOldest(); // being delivered: later lines go to a new segment
    for (const i of range(5, 12)) spool.append(spoolLine(message(i, 900)));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(onDisk(dir), range(0, 5), 'nothing beyond the cap is written');
    assert.ok(diskBytes(dir) <= 5 * line);
    assert.equal(spool.size, 12, 'nothing is lost either');
    assert.equal(spool.unwrittenCount, 7);

    await spool.acknowledge(oldest!.seq);
    await until('the waiting lines written up to the cap', () => onDisk(dir).length === 5, 1_000);
    assert.deepEqual(onDisk(dir), range(5, 10));
    const next = await spool.takeOldest();
    assert.deepEqual(indexes(next!.messages), range(5, 12), 'written lines, then the ones still waiting, in order');
    await spool.acknowledge(next!.seq);
    assert.equal(spool.size, 0);
    await spool.close();
  });

  it('does not throw when its directory cannot be created, and writes what waited once it can', async () => {
    const parent = freshDir();
    writeFileSync(join(parent, 'blocker'), 'a file where the spool directory should be');
    const dir = join(parent, 'blocker', 'spool');
    const spool = new DiskSpool(dir, { fsync: 1 });
    assert.equal(spool.writable, false);
    for (const i of range(0, 20)) spool.append(spoolLine(message(i)));
    assert.equal(spool.unwrittenCount, 20, 'kept in memory');
    rmSync(join(parent, 'blocker'));
    mkdirSync(join(parent, 'blocker'));
    await until('the retry writes them', () => existsSync(dir) && onDisk(dir).length === 20, 3_000);
    await spool.flushed();
    assert.deepEqual(onDisk(dir), range(0, 20));
    assert.equal(spool.writable, true);
    await spool.close();
  });

  it('survives a full disk (ENOSPC) and writes every waiting line exactly once when space returns', async () => {
    const dir = freshDir();
    const spool = new DiskSpool(dir, { fsync: 1 });
    symlinkSync('/dev/full', join(dir, 'spool-0000000001.jsonl')); // where the first segment is written: ENOSPC
    for (const i of range(0, 30)) spool.append(spoolLine(message(i)));
    await until('the write to fail', () => !spool.writable, 1_000);
    assert.equal(spool.unwrittenCount, 30);
    assert.ok(spool.writeFailures >= 1, 'counted');
    const pending = spool.flushed();
    rmSync(join(dir, 'spool-0000000001.jsonl'));
    await pending; // resolves once the retry has written them
    assert.deepEqual(onDisk(dir), range(0, 30));
    await spool.close();
  });
});
