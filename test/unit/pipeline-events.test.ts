// The response event holds what its columns can: an upstream's absurd usage (negative, fractional, beyond UInt32,
// not a number) is bounded by the gateway, so the event is never refused downstream and the request is still booked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import { responseEvent } from '../../gateway/pipeline/events.ts';
import type { Usage } from '../../core/llm.ts';

void describe('response event token counts', () => {
  void it('are whole numbers within UInt32 whatever the upstream reported', () => {
    const trace = newTrace('/v1/chat/completions');
    trace.usage = { prompt_tokens: 2 ** 40, completion_tokens: -5, total_tokens: 12.7, prompt_tokens_details: { cached_tokens: Number.NaN } } as Usage;
    const e = responseEvent(trace);
    assert.deepEqual([e.prompt_tokens, e.completion_tokens, e.total_tokens, e.cached_tokens], [2 ** 32 - 1, 0, 12, 0]);
    trace.usage = { prompt_tokens: '7', completion_tokens: 3, total_tokens: 10 } as unknown as Usage;
    assert.deepEqual([responseEvent(trace).prompt_tokens, responseEvent(trace).completion_tokens], [0, 3]);
  });
});
