// Events bigger than the event cap are cut down to it, keeping their shape; what cannot be cut down is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitJson, MAX_EVENT_BYTES, truncationMark } from '../../lib/event-size.ts';

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const MiB = 1 << 20;

const errorEvent = (model: string) => ({
  event_id: '6f1c6a4e-3b1e-4d1b-9d51-3f0c1f3e0c11',
  type: 'error',
  ts: '2025-01-01T00:00:00.000Z',
  key_id: 'key_abc',
  model,
  error_message: `model '${model}' not found`,
  http_status: 404,
  tags: ['a', 'b'],
});

describe('fitJson', () => {
  it('leaves an event within the cap untouched', () => {
    const json = JSON.stringify(errorEvent('gpt-4o'));
    assert.deepEqual(fitJson(json, MAX_EVENT_BYTES), { json, truncatedFields: 0 });
  });

  it('cuts a 2 MB event to the cap, longest strings first, keeping its shape and short fields', () => {
    const model = 'm'.repeat(2 * MiB);
    const fitted = fitJson(JSON.stringify(errorEvent(model)), MAX_EVENT_BYTES);
    assert.ok(fitted, 'fits');
    assert.ok(bytes(fitted.json) <= MAX_EVENT_BYTES, `${bytes(fitted.json)} bytes`);
    const event = JSON.parse(fitted.json) as ReturnType<typeof errorEvent>;
    assert.deepEqual(Object.keys(event), Object.keys(errorEvent('')));
    const { model: cutModel, error_message: cutMessage, ...rest } = event;
    const { model: _m, error_message: _e, ...expectedRest } = errorEvent('');
    assert.deepEqual(rest, expectedRest);
    assert.match(cutModel, /^m+…\[truncated \d+ chars\]$/);
    assert.match(cutMessage, /^model 'm+…\[truncated \d+ chars\]$/);
    const removed = Number(/truncated (\d+) chars/.exec(cutModel)![1]);
    assert.equal(cutModel.length - truncationMark(removed).length + removed, model.length, 'the mark says how much was cut');
    assert.equal(fitted.truncatedFields, 2);
  });

  it('keeps JSON-escaped and astral text within the cap and well formed', () => {
    for (const filler of ['"\\\n\u0001', '😀', '漢字']) {
      const fitted = fitJson(JSON.stringify({ event_id: 'e1', text: filler.repeat(MiB / 2) }), 64 * 1024);
      assert.ok(fitted && bytes(fitted.json) <= 64 * 1024, JSON.stringify(filler));
      const { text } = JSON.parse(fitted.json) as { text: string };
      assert.equal(Buffer.from(text, 'utf8').toString('utf8'), text, 'no half surrogate pair left at the cut');
    }
  });

  it('refuses what cannot fit: many short strings, keys, or not JSON', () => {
    assert.equal(fitJson(JSON.stringify(Array.from({ length: 40_000 }, (_, i) => `value number ${i}`)), MAX_EVENT_BYTES), undefined);
    assert.equal(fitJson(JSON.stringify({ ['k'.repeat(MiB)]: 1 }), MAX_EVENT_BYTES), undefined);
    assert.equal(fitJson('x'.repeat(MiB), MAX_EVENT_BYTES), undefined);
  });

  it('cuts or refuses deeply nested input instead of throwing', () => {
    for (const depth of [1_000, 100_000]) {
      const deep = '['.repeat(depth) + JSON.stringify('y'.repeat(MiB)) + ']'.repeat(depth);
      const fitted = fitJson(deep, MAX_EVENT_BYTES);
      assert.ok(fitted === undefined || bytes(fitted.json) <= MAX_EVENT_BYTES, `depth ${depth}`);
    }
  });
});
