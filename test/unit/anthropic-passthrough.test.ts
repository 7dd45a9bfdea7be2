// The native /v1/messages operation (gateway/pipeline/operations/anthropic-messages.ts) against the Anthropic fake:
// the budget hold is taken before the call and settled to the upstream's real usage (JSON and stream); a failed
// Anthropic attempt falls back per attempt to a translated non-Anthropic group; the output PII scan redacts a
// streamed answer; a mid-stream upstream error reaches the client as an Anthropic `error` event.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { parseConfig, runtimeEnv, type HelixConfig } from '../../lib/config.ts';
import { createRouter } from '../../gateway/app.ts';
import type { GatewayDeps } from '../../gateway/deps.ts';
import type { CostControl } from '../../gateway/budgets/cost-control.ts';
import type { BudgetRequest } from '../../gateway/budgets/budget-service.ts';
import type { Reservation } from '../../gateway/budgets/reservation.ts';
import type { ChargeableEvent } from '../../core/budgets/charge.ts';
import { newFlight } from '../../gateway/pipeline/flight.ts';
import { anthropicMessagesOperation } from '../../gateway/pipeline/operations/anthropic-messages.ts';
import { runPipeline } from '../../gateway/pipeline/runner.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import type { Principal } from '../../gateway/auth/principal.ts';
import { testGateway } from '../helpers/app.ts';
import { startFakeAnthropic, type FakeUpstream } from '../helpers/fake-upstreams.ts';

describe('native /v1/messages operation', () => {
  let fake: FakeUpstream;
  before(async () => void (fake = await startFakeAnthropic({ cacheReadTokens: 50 })));
  after(async () => fake?.close());

  it('holds the budget before the call and settles it to the real usage (JSON and stream)', async () => {
    const config: HelixConfig = {
      ...parseConfig({ model_list: [{ model_name: 'claude', litellm_params: { model: 'anthropic/claude-sonnet-4-5', api_base: fake.url, api_key: 'k' } }] }, process.env),
      env: runtimeEnv({ HELIX_DATA_DIR: '.tmp/test' }),
    };
    const log: string[] = [];
    const settled: ChargeableEvent[] = [];
    const reservation: Reservation = {
      active: true,
      worstCaseUsd: 1,
      maxOutputTokens: 64,
      settle: async (event) => void (log.push('settle'), settled.push(event)),
      release: async () => void log.push('release'),
    };
    const budgets = { applies: () => true, reserve: async (req: BudgetRequest) => (log.push(`reserve max_tokens=${String(req.body.max_tokens)}`), reservation) };
    const router = createRouter(config);
    const deps = { config, events: { emit: () => undefined }, router, costControl: { budgets } as unknown as CostControl } as unknown as GatewayDeps;
    const principal = { keyId: 'k', userId: '', teamId: '', models: [], metadata: {} } as unknown as Principal;
    const caller = { headers: {}, res: { setHeader: () => undefined } as unknown as ServerResponse, principal, signal: new AbortController().signal };
    const body = { model: 'claude', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hold me' }] };

    const out = await runPipeline(deps, newFlight(anthropicMessagesOperation, newTrace('/v1/messages'), caller, body));
    assert.ok(out.kind === 'completion' && out.value.type === 'message');
    const streamed = await runPipeline(deps, newFlight(anthropicMessagesOperation, newTrace('/v1/messages'), caller, { ...body, stream: true }));
    assert.equal(streamed.kind, 'stream');
    if (streamed.kind === 'stream') for await (const _chunk of streamed.chunks) void _chunk;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['reserve max_tokens=64', 'settle', 'reserve max_tokens=64', 'settle']);
    const input = fake.requests.at(-1)!.body;
    for (const event of settled) {
      assert.ok(event.prompt_tokens > 50 && event.completion_tokens > 0, JSON.stringify(event));
      assert.equal(event.cached_tokens, 50, 'cache reads are charged at the cached price');
    }
    assert.ok(input.stream === true);
  });

  it('falls back per attempt: a failing Anthropic group, then a translated mock group', async () => {
    const gw = await testGateway(`
model_list:
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${fake.url}", api_key: k }
  - model_name: backup
    litellm_params: { model: mock/echo }
router_settings: { num_retries: 0, fallbacks: [{ claude: [backup] }] }
`);
    fake.enqueue({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', payload: { model: 'claude', max_tokens: 32, messages: [{ role: 'user', content: 'served by the mock' }] } });
    assert.equal(res.statusCode, 200, res.body);
    const msg = res.json();
    assert.equal(msg.type, 'message');
    assert.deepEqual(msg.content, [{ type: 'text', text: 'served by the mock' }]);
    const ev = gw.events.find((e) => e.type === 'response');
    assert.ok(ev?.type === 'response');
    assert.deepEqual(ev.attempts.map((a) => [a.provider, a.status]), [['anthropic', 529], ['mock', 200]]);
    await gw.app.close();
  });

  it('scan_output redacts a streamed native answer; a mid-stream error becomes an Anthropic error event', async () => {
    const gw = await testGateway(`
model_list:
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${fake.url}", api_key: k }
helix_settings:
  pii_protection: { scan_output: true }
`);
    const payload = { model: 'claude', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Write to jane.doe@example.com please' }] };
    fake.enqueue({
      kind: 'sse',
      events: [
        { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } } },
        { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
        ...['Mail mary.', 'major@exam', 'ple.com today'].map((text) => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } })),
        { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
        { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } } },
        { event: 'message_stop', data: { type: 'message_stop' } },
      ],
    });
    const res = await gw.app.inject({ method: 'POST', url: '/v1/messages', payload });
    const text = res.body
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)))
      .filter((e) => e.type === 'content_block_delta')
      .map((e) => e.delta.text)
      .join('');
    assert.ok(!text.includes('mary.major@example.com') && text.startsWith('Mail ') && text.endsWith(' today'), text);
    const ev = gw.events.find((e) => e.type === 'response');
    assert.ok(ev?.type === 'response');
    assert.deepEqual([ev.prompt_tokens, ev.completion_tokens, ev.finish_reason], [9, 7, 'stop']);

    fake.enqueue({
      kind: 'sse',
      events: [
        { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_2', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } } },
        { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      ],
    });
    const failed = await gw.app.inject({ method: 'POST', url: '/v1/messages', payload: { ...payload, messages: [{ role: 'user', content: 'hi' }] } });
    assert.match(failed.body, /event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    await gw.app.close();
  });
});
