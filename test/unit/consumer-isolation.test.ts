// How the consume loop writes a batch that holds messages that can never be written: they are isolated and
// returned as poison while every other message is written exactly once; a transient failure retries the same
// batch with capped backoff and gives nothing up; a shutdown stops the retries without counting anything as done.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseError } from '@clickhouse/client';
import { Stopped, writeIsolating, type RetryPolicy } from '../../lib/consume/isolation.ts';
import type { Failure } from '../../lib/consume/failures.ts';

const refused = () => parseError('Code: 27. DB::Exception: Cannot parse input: expected \',\' before: \'.0}\': (at row 1). (CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 25.8.1.1)');
const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });

/** A sink that stores what it is given, unless `fail` says otherwise for that write. */
function fakeSink(fail: (items: number[], attempt: number) => Error | undefined) {
  const stored: number[] = [];
  const batches: number[][] = [];
  return {
    stored,
    batches,
    async write(items: number[]) {
      batches.push(items);
      const err = fail(items, batches.length);
      if (err) throw err;
      stored.push(...items);
    },
  };
}

function policy(overrides: Partial<RetryPolicy> = {}) {
  const waits: number[] = [];
  const failures: Failure[] = [];
  const p: RetryPolicy = {
    stopped: () => false,
    retrying: (failure, waitMs) => {
      failures.push(failure);
      waits.push(waitMs);
    },
    succeeded: () => undefined,
    maxBackoffMs: 1_000,
    sleep: async () => undefined,
    ...overrides,
  };
  return { policy: p, waits, failures };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('writeIsolating', () => {
  it('dead-letters exactly the messages that cannot be written and writes every other one once', async () => {
    const poison = new Set([17, 60, 61]);
    const sink = fakeSink((items) => (items.some((i) => poison.has(i)) ? refused() : undefined));
    const { policy: p } = policy();
    const dead = await writeIsolating(range(100), (items) => sink.write(items), p);
    assert.deepEqual(dead.map((d) => d.item), [17, 60, 61]);
    for (const d of dead) assert.match(d.reason, /^CANNOT_PARSE_INPUT_ASSERTION_FAILED: Cannot parse input/);
    assert.deepEqual([...sink.stored].sort((a, b) => a - b), range(100).filter((i) => !poison.has(i)), 'every good message written, once');
    assert.ok(sink.batches.length < 60, `isolated by splitting, not one write per message (${sink.batches.length} writes)`);
  });

  it('retries the very same batch while the failure is transient, with capped backoff, and gives nothing up', async () => {
    const sink = fakeSink((_items, attempt) => (attempt <= 6 ? unreachable() : undefined));
    const { policy: p, waits, failures } = policy();
    const items = range(10);
    const dead = await writeIsolating(items, (batch) => sink.write(batch), p);
    assert.deepEqual(dead, []);
    assert.deepEqual(sink.stored, items);
    assert.ok(sink.batches.every((b) => b === items), 'each retry re-sends the same batch (the sink keeps its insert plan by batch)');
    assert.deepEqual(waits, [100, 200, 400, 800, 1_000, 1_000]);
    assert.ok(failures.every((f) => !f.permanent && /ECONNREFUSED/.test(f.reason)));
  });

  it('gives a whole batch a few tries before blaming a message (a fluke is not dead-lettered)', async () => {
    const sink = fakeSink((_items, attempt) => (attempt <= 2 ? refused() : undefined));
    const { policy: p } = policy();
    const dead = await writeIsolating(range(5), (batch) => sink.write(batch), p);
    assert.deepEqual(dead, []);
    assert.deepEqual(sink.stored, range(5));
  });

  it('waits out a transient failure in the middle of isolating', async () => {
    let outage = 3;
    const sink = fakeSink((items) => {
      if (items.length < 8 && outage-- > 0) return unreachable();
      return items.includes(3) ? refused() : undefined;
    });
    const { policy: p } = policy();
    const dead = await writeIsolating(range(8), (batch) => sink.write(batch), p);
    assert.deepEqual(dead.map((d) => d.item), [3]);
    assert.deepEqual([...sink.stored].sort((a, b) => a - b), [0, 1, 2, 4, 5, 6, 7]);
  });

  it('stops retrying once the loop gives up, and nothing counts as written or dead', async () => {
    let attempts = 0;
    const { policy: p } = policy({ stopped: () => attempts >= 3 });
    await assert.rejects(
      writeIsolating(range(4), async () => {
        attempts++;
        throw unreachable();
      }, p),
      Stopped,
    );
    assert.equal(attempts, 3);
  });
});
