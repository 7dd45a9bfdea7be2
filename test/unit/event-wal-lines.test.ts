// The billing-event WAL's files: what a restart reads back from them. Lines hold an event's JSON as it is; a line torn
// by a crash, the zeros of a segment file made ahead, or anything else that is not a whole line is skipped.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventWal, spoolLineOf, walLine } from '../../lib/event-wal.ts';
import { spoolLine, type SpooledMessage } from '../../lib/spool.ts';

const event = (i: number) => JSON.stringify({ event_id: `e-${i}`, type: 'response', note: 'tab\tnewline\n"quote" \u2028 é 😀', n: i });
const message = (i: number): SpooledMessage => ({ topic: 'helix.responses', key: 'team-"a"\t', value: event(i) });

/** A spool that keeps what it is given (the WAL's recovery target). */
function collectingSpool() {
  const lines: string[] = [];
  return { lines, append: (line: Buffer) => void lines.push(line.toString('utf8')), flushed: () => Promise.resolve() };
}

describe('WAL lines', () => {
  it('read back as the spool line of the message, whatever its key and value hold', () => {
    for (const m of [message(1), { ...message(2), headers: { 'x-helix-reason': 'r' } }, { topic: 't', key: 'k', value: '42' }, { topic: 't', key: '', value: '"a string"' }]) {
      const line = walLine(m);
      assert.ok(!line.includes('\n'), 'one line');
      assert.equal(spoolLineOf(line)?.toString('utf8'), spoolLine(m).toString('utf8'));
    }
  });

  it('keeps an event value as it is rather than as a string inside the line', () => {
    const m = message(3);
    assert.ok(walLine(m).endsWith(`\t${m.value}`));
  });

  it('skips every line cut short (a crash mid-write) and the zeros after the last line', () => {
    for (const m of [message(4), { ...message(5), headers: { h: 'v' } }]) {
      const line = walLine(m);
      for (let cut = 0; cut < line.length; cut++) assert.equal(spoolLineOf(line.slice(0, cut)), undefined, `cut at ${cut}`);
      assert.equal(spoolLineOf('\0'.repeat(4096)), undefined);
      assert.equal(spoolLineOf(line.slice(0, 20) + '\0'.repeat(100)), undefined);
    }
  });

  it('a restarted WAL moves every line a closed one wrote into the spool, and leaves no segment behind', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'helix-wal-lines-')), 'wal');
    const first = new EventWal(dir, collectingSpool(), { commitMs: 0 });
    const written = Array.from({ length: 300 }, (_, i) => message(i));
    for (const m of written) first.append(m);
    await first.committed();
    // A kill -9 now would leave these lines: read them back before close() releases anything.
    const files = readdirSync(dir).filter((f) => /^wal-\d+\.jsonl$/.test(f));
    assert.ok(files.length >= 1);
    const onDisk = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n')).flatMap((l) => spoolLineOf(l) ?? []);
    assert.deepEqual(
      onDisk.map((b) => b.toString('utf8')),
      written.map((m) => spoolLine(m).toString('utf8')),
    );
    await first.close();
    const spool = collectingSpool();
    const restarted = new EventWal(dir, spool, {});
    assert.deepEqual(spool.lines, written.map((m) => spoolLine(m).toString('utf8')));
    await restarted.close();
    await new Promise((r) => setTimeout(r, 50)); // the recovered segments are deleted once the spool has them
    assert.deepEqual(readdirSync(dir).filter((f) => /^wal-\d+\.jsonl$/.test(f)), []);
  });
});
