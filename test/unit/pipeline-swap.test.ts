// The chat pipeline's side of model swaps and budget holds (gateway/pipeline/), with the mock provider and a
// stub optimizer and budget service: the swapped model is what is served and recorded, and a stream the route stops
// reading releases its hold.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { parseConfig, runtimeEnv, type HelixConfig } from '../../lib/config.ts';
import { createRouter } from '../../gateway/app.ts';
import type { GatewayDeps } from '../../gateway/deps.ts';
import type { CostControl } from '../../gateway/budgets/cost-control.ts';
import type { Reservation } from '../../gateway/budgets/reservation.ts';
import { newFlight } from '../../gateway/pipeline/flight.ts';
import { chatOperation } from '../../gateway/pipeline/operations/chat.ts';
import { runPipeline } from '../../gateway/pipeline/runner.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import type { Principal } from '../../gateway/auth/principal.ts';
import type { ResponseEvent } from '../../schemas/events.ts';

const config: HelixConfig = {
  ...parseConfig({
    model_list: [
      { model_name: 'big', litellm_params: { model: 'mock/big' } },
      { model_name: 'small', litellm_params: { model: 'mock/small' } },
    ],
  }, process.env),
  env: runtimeEnv({ HELIX_DATA_DIR: '.tmp/test' }),
};

function setup(swapTo?: string) {
  const events: ResponseEvent[] = [];
  const headers: Record<string, string> = {};
  const calls: string[] = [];
  const reservation: Reservation = {
    active: true,
    worstCaseUsd: 1,
    maxOutputTokens: 100,
    settle: async () => void calls.push('settle'),
    release: async () => void calls.push('release'),
  };
  const costControl = {
    optimizer: { mayChoose: () => true, choose: async ({ body }: { body: { model: string } }) => (swapTo ? { from: body.model, to: swapTo, rule: 'test' } : undefined) },
    budgets: { applies: () => true, reserve: async () => reservation },
  } as unknown as CostControl;
  const deps = { config, events: { emit: (e: ResponseEvent) => events.push(e) }, router: createRouter(config), costControl } as unknown as GatewayDeps;
  const res = { setHeader: (k: string, v: string) => (headers[k] = v) } as unknown as ServerResponse;
  const principal = { keyId: 'k', userId: '', teamId: '', models: [], metadata: {} } as unknown as Principal;
  const caller = (signal: AbortSignal) => ({ headers: {}, res, principal, signal });
  const run = (stream: boolean) => runPipeline(deps, newFlight(chatOperation, newTrace('chat'), caller(new AbortController().signal), { model: 'big', stream, messages: [{ role: 'user', content: 'hello there, how are you today?' }] }));
  return { events, headers, calls, run };
}

void describe('chat pipeline: model swaps and budget holds', () => {
  void it('serves the swapped model and records it in the header and the response event', async () => {
    const t = setup('small');
    const out = await t.run(false);
    assert.equal(out.kind === 'completion' && out.value.model, 'small');
    assert.equal(t.headers['x-helix-model-swapped-from'], 'big');
    const response = t.events.find((e) => e.type === 'response');
    assert.deepEqual([response?.model, response?.model_swapped_from], ['small', 'big']);
    assert.deepEqual(t.calls, ['settle']);
  });

  void it('leaves an unswapped request as asked, with an empty model_swapped_from', async () => {
    const t = setup();
    await t.run(false);
    assert.equal(t.headers['x-helix-model-swapped-from'], undefined);
    const response = t.events.find((e) => e.type === 'response');
    assert.deepEqual([response?.model, response?.model_swapped_from], ['big', '']);
  });

  void it('settles a finished stream, and one the route stops reading at what was used so far', async () => {
    const done = setup('small');
    const all = await done.run(true);
    if (all.kind === 'stream') for await (const _chunk of all.chunks) void _chunk;
    assert.deepEqual(done.calls, ['settle']);

    const dropped = setup('small');
    const partial = await dropped.run(true);
    assert.equal(partial.kind, 'stream');
    if (partial.kind === 'stream') for await (const _chunk of partial.chunks) break;
    assert.deepEqual(dropped.calls, ['settle']);
    const closed = dropped.events.find((e) => e.type === 'error');
    assert.equal(closed?.error_type, 'client_closed_request');
    assert.ok(closed!.prompt_tokens > 0, 'the prompt is charged');
  });
});
