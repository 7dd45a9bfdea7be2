// Cached answers replayed as SSE, and upstream streams collected into a cacheable completion.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { replayChunks, StreamCollector, writeReplay } from '../../gateway/cache/replay.ts';
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

  void it('writes a proper event stream over HTTP', async () => {
    const server = createServer((_req, res) => void writeReplay(res, replayChunks(completion, { id: 'x', created: 2, includeUsage: false }), { 'x-helix-cache': 'exact' }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      assert.equal(res.headers.get('x-helix-cache'), 'exact');
      const events = (await res.text()).split('\n\n').filter(Boolean);
      assert.equal(events.at(-1), 'data: [DONE]');
      const text = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).map((c) => c.choices[0]?.delta.content ?? '').join('');
      assert.equal(text, 'Canberra is the capital.');
    } finally {
      server.close();
    }
  });
});
