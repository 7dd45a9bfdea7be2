// The Responses API translators and store: input items → chat messages, a completion → output items, and stored
// responses scoped to the key that created them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { responsesRequestToChat } from '../../gateway/responses/client-request.ts';
import { outcomeOfCompletion } from '../../gateway/responses/client-response.ts';
import { responseObject } from '../../gateway/responses/envelope.ts';
import { ResponseStore } from '../../gateway/responses/store.ts';
import { ResponseTurns } from '../../gateway/responses/turns.ts';
import { GatewayError } from '../../gateway/errors.ts';
import type { ResponsesRequest } from '../../gateway/responses/wire.ts';

void describe('Responses request → chat request', () => {
  it('turns input items into messages: parallel function calls join one assistant turn, outputs become tool messages', () => {
    const req = responsesRequestToChat({
      model: 'm',
      instructions: 'sys',
      input: [
        { role: 'developer', content: 'dev' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'look ' }, { type: 'input_image', image_url: 'data:image/png;base64,AA', detail: 'low' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'calling', annotations: [] }] },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' },
        { type: 'function_call', call_id: 'c2', name: 'g', arguments: '' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'function_call_output', call_id: 'c1', output: 'one' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] },
      ],
      stream: true,
    });
    assert.deepEqual(req.messages, [
      { role: 'system', content: 'sys' },
      { role: 'system', content: 'dev' },
      { role: 'user', content: [{ type: 'text', text: 'look ' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA', detail: 'low' } }] },
      {
        role: 'assistant',
        content: 'calling',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'one' },
      { role: 'tool', tool_call_id: 'c2', content: 'two' },
    ]);
    assert.deepEqual(req.stream_options, { include_usage: true });
  });

  it('maps tools, tool_choice, text.format and limits; refuses what it cannot serve', () => {
    const req = responsesRequestToChat({
      model: 'm',
      input: 'q',
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'n', schema: { type: 'object' }, strict: true } },
      max_output_tokens: 99,
      temperature: 0.1,
      top_p: 0.9,
      user: 'u',
    });
    assert.deepEqual(req.tools, [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }]);
    assert.deepEqual(req.tool_choice, { type: 'function', function: { name: 'f' } });
    assert.equal(req.parallel_tool_calls, false);
    assert.deepEqual(req.response_format, { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object' }, strict: true } });
    assert.equal(req.max_tokens, 99);
    assert.equal(req.user, 'u');
    for (const body of [{ input: [{ type: 'item_reference', id: 'x' }] }, { input: 'q', tools: [{ type: 'file_search' }] }, { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f' }] }] }, { input: [] }]) {
      assert.throws(() => responsesRequestToChat({ model: 'm', ...body } as ResponsesRequest), (e: unknown) => e instanceof GatewayError && e.status === 400);
    }
  });
});

void describe('chat completion → Response', () => {
  it('text and tool calls become items; length is incomplete', () => {
    const outcome = outcomeOfCompletion({
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, finish_reason: 'length', message: { role: 'assistant', content: 'hi', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] } }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 1 } },
    });
    const r = responseObject({ model: 'm' }, { id: 'resp_1', createdAt: 1, stored: false }, outcome);
    assert.equal(r.status, 'incomplete');
    assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
    assert.deepEqual(r.output.map((o) => [o.type, o.status]), [['message', 'incomplete'], ['function_call', 'completed']]);
    assert.deepEqual(r.usage, { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 13 });
  });
});

const url = process.env.HELIX_REDIS_URL;
void describe('stored responses (real Redis)', { skip: !url && 'HELIX_REDIS_URL not set' }, () => {
  it('belong to the key that created them', async () => {
    const redis = new Redis(url!, { maxRetriesPerRequest: 1 });
    try {
      const turns = new ResponseTurns(new ResponseStore(redis, 60));
      const body: ResponsesRequest = { model: 'm', input: 'hello' };
      await turns.begin(body, 'key_a');
      const response = responseObject(body, turns.head(body), outcomeOfCompletion({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hi' } }] }));
      turns.finished(body, response);
      await turns.settled(body);
      assert.ok((await redis.ttl(`helix:responses:${response.id}`)) > 0, 'stored with a TTL');

      const mine: ResponsesRequest = { model: 'm', input: 'again', previous_response_id: response.id };
      await turns.begin(mine, 'key_a');
      assert.deepEqual(
        (mine.input as Array<{ role?: string }>).map((i) => i.role),
        ['user', 'assistant', 'user'],
      );
      const theirs: ResponsesRequest = { model: 'm', input: 'again', previous_response_id: response.id };
      await assert.rejects(turns.begin(theirs, 'key_b'), (e: unknown) => e instanceof GatewayError && e.status === 400 && /not found/.test(e.message));
    } finally {
      redis.disconnect();
    }
  });
});
