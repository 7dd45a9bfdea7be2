// Model swaps through the real stack: a short gpt-4o prompt is served by gpt-4o-mini (rule `short-prompts`),
// visible in the `x-helix-model-swapped-from` header (also on streams), in the responses row (`model_swapped_from`)
// and in the ledger with what it saved, which the savings report sums. `x-helix-model-swap: off` (per request) and
// key metadata `{"model_swapping": false}` (per key) opt out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nanoFromDecimal } from '../../core/money.ts';
import { helixSql, waitFor } from '../helpers/processes.ts';
import { MASTER, PRICES, PROMPT, startOptimizerStack, type OptimizerStack, type TestKey } from '../helpers/optimizer.ts';

void describe('model swaps end to end', () => {
  let stack: OptimizerStack;
  let key: TestKey;
  const sql = <T>(query: string) => helixSql<T>(stack.pipeline.env, query);

  before(async () => {
    stack = await startOptimizerStack();
    key = await stack.createKey();
  });
  after(() => stack.stop());

  void it('serves a short prompt with the cheaper model, says so, and books what it saved', async () => {
    const swapped = await stack.chat(key.key, 'gpt-4o', 'Hi there!');
    assert.equal(swapped.swappedFrom, 'gpt-4o');
    assert.equal(swapped.model, 'gpt-4o-mini');
    const optedOut = await stack.chat(key.key, 'gpt-4o', 'Hi there!', { 'x-helix-model-swap': 'off' });
    assert.equal(optedOut.swappedFrom, null);
    assert.equal(optedOut.model, 'gpt-4o');
    const long = await stack.chat(key.key, 'gpt-4o', PROMPT(1));
    assert.equal(long.swappedFrom, null, 'long prompts stay on gpt-4o');

    await waitFor('ledger entries', async () => Number((await sql<{ n: number }>(`SELECT count() AS n FROM helix.ledger_entries WHERE key_id = '${key.id}'`))[0]?.n) === 3, 60_000, 500);
    const rows = await sql<{ model: string; requested_model: string; saved: string }>(
      `SELECT model, requested_model, toString(swap_saved_usd) AS saved FROM helix.ledger_entries FINAL WHERE key_id = '${key.id}' AND requested_model != model`,
    );
    assert.equal(rows.length, 1);
    const u = swapped.usage;
    const [big, small] = [PRICES['gpt-4o'], PRICES['gpt-4o-mini']];
    assert.deepEqual([rows[0]!.model, rows[0]!.requested_model], ['gpt-4o-mini', 'gpt-4o']);
    assert.equal(nanoFromDecimal(rows[0]!.saved), u.prompt_tokens * (big[0] - small[0]) + u.completion_tokens * (big[1] - small[1]));

    // Through the documented view (users' SQL surface): the requested model and the saving, only when swapped.
    const requests = await sql<{ model: string; swapped_from: string; saved: string }>(
      `SELECT model, model_swapped_from AS swapped_from, toString(swap_saved_usd) AS saved FROM v_requests WHERE key_id = '${key.id}' ORDER BY ts`,
    );
    assert.deepEqual(
      requests.map((r) => [r.model, r.swapped_from, nanoFromDecimal(r.saved)]),
      [['gpt-4o-mini', 'gpt-4o', nanoFromDecimal(rows[0]!.saved)], ['gpt-4o', '', 0], ['gpt-4o', '', 0]],
      'the response event names the requested model only when swapped',
    );

    const report = (await (await stack.admin(`/v1/helix/optimizer/savings?key=${key.id}`)).json()) as { swap_savings_usd: number; swapped_requests: number };
    assert.equal(report.swapped_requests, 1);
    assert.equal(Math.round(report.swap_savings_usd * 1e9), nanoFromDecimal(rows[0]!.saved));
  });

  void it('swaps streams too, with the header on the SSE response', async () => {
    const streamKey = await stack.createKey();
    const res = await fetch(`${stack.pipeline.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${streamKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Hi there!' }] }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-helix-model-swapped-from'), 'gpt-4o');
    const text = await res.text();
    assert.match(text, /"model":"gpt-4o-mini"/);
    assert.match(text, /data: \[DONE\]/);
    const row = await waitFor('the stream response row', async () => (await sql<{ swapped_from: string; stream: boolean }>(`SELECT model_swapped_from AS swapped_from, stream FROM helix.responses WHERE key_id = '${streamKey.id}'`))[0], 60_000, 500);
    assert.deepEqual(row, { swapped_from: 'gpt-4o', stream: true });
  });

  void it('a key with {"model_swapping": false} is never swapped', async () => {
    const res = await fetch(`${stack.pipeline.gatewayUrl}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { model_swapping: false } }),
    });
    const noSwapKey = (await res.json()) as { key: string };
    const r = await stack.chat(noSwapKey.key, 'gpt-4o', 'Hi there!');
    assert.deepEqual([r.swappedFrom, r.model], [null, 'gpt-4o']);
  });
});
