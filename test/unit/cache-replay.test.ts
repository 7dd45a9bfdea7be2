// Cached answers replayed as SSE, and upstream streams collected into a cacheable completion.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replayChunks, StreamCollector } from '../../gateway/cache/replay.ts';
import type { ChatCompletion } from '../../core/llm.ts';

const completion: ChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Canberra is the capital.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
};

void describe('SSE replay', () => {
  void it('streams role, words, finish and (when asked) usage, and round-trips through the collector', () => {
    const chunks = replayChunks(completion, { id: 'x', created: 2, includeUsage: true });
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
    assert.deepEqual(chunks.slice(1, 5).map((c) => c.choices[0]!.delta.content), ['Canberra', ' is', ' the', ' capital.']);
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)!.usage, completion.usage);
    assert.equal(replayChunks(completion, { id: 'x', created: 2, includeUsage: false }).some((c) => c.usage), false);
    const collector = new StreamCollector();
    for (const c of chunks) collector.add(c);
    const back = collector.completion();
    assert.deepEqual(back.choices, completion.choices);
    assert.deepEqual(back.usage, completion.usage);
  });

  void it('collects tool-call deltas', () => {
    const collector = new StreamCollector();
    const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model: 'm' };
    collector.add({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } }] }, finish_reason: null }] });
    collector.add({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }, finish_reason: 'tool_calls' }] });
    const msg = collector.completion().choices[0]!.message;
    assert.deepEqual(msg.tool_calls, [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  });
});
