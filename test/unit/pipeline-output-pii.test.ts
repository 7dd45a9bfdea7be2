// pii_protection.scan_output through the real gateway app and the mock provider: what the provider writes is
// redacted before the client sees it, in JSON answers and in streams (values split across chunks included), on chat
// completions, /v1/messages and /v1/completions; PII events go out with direction `response`, never the value.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testGateway } from '../helpers/app.ts';

const LEAK = 'Write to jane.doe@example.com or call 415-555-0123.';
const config = `
model_list:
  - model_name: leaky
    litellm_params: { model: mock/fixed, mock_response: "${LEAK}" }
helix_settings:
  pii_protection: { scan_output: true }
`;
const msg = [{ role: 'user', content: 'hi' }];

async function post(path: string, body: Record<string, unknown>) {
  const gw = await testGateway(config);
  const res = await gw.app.inject({ method: 'POST', url: path, payload: body });
  await gw.app.close();
  return { res, events: gw.events };
}

void describe('scan_output redacts what the provider writes', () => {
  void it('chat completion, JSON', async () => {
    const { res, events } = await post('/v1/chat/completions', { model: 'leaky', messages: msg });
    assert.equal(res.statusCode, 200);
    const content = res.json().choices[0].message.content as string;
    assert.ok(!content.includes('jane.doe@example.com') && !content.includes('415-555-0123'), content);
    assert.match(content, /^Write to .+ or call .+\.$/);
    const pii = events.filter((e) => e.type === 'pii');
    assert.ok(pii.length >= 2 && pii.every((e) => e.type === 'pii' && e.direction === 'response'));
    assert.ok(!JSON.stringify(events).includes('jane.doe'), 'no event carries the value');
  });

  void it('chat completion, streamed', async () => {
    const { res } = await post('/v1/chat/completions', { model: 'leaky', messages: msg, stream: true });
    assert.equal(res.statusCode, 200);
    const text = res.body
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices[0]?.delta?.content ?? '')
      .join('');
    assert.ok(!text.includes('jane.doe@example.com') && !text.includes('415-555-0123'), text);
    assert.match(text, /^Write to .+ or call .+\.$/);
  });

  void it('/v1/messages, JSON and streamed', async () => {
    const plain = await post('/v1/messages', { model: 'leaky', max_tokens: 50, messages: msg });
    assert.equal(plain.res.statusCode, 200);
    assert.ok(!plain.res.body.includes('jane.doe@example.com'));
    const streamed = await post('/v1/messages', { model: 'leaky', max_tokens: 50, messages: msg, stream: true });
    assert.equal(streamed.res.statusCode, 200);
    assert.ok(!streamed.res.body.includes('jane.doe@example.com') && streamed.res.body.includes('text_delta'));
  });

  void it('/v1/completions, JSON and streamed', async () => {
    for (const stream of [false, true]) {
      const { res } = await post('/v1/completions', { model: 'leaky', prompt: 'hi', stream });
      assert.equal(res.statusCode, 200);
      assert.ok(!res.body.includes('jane.doe@example.com') && !res.body.includes('415-555-0123'), res.body);
    }
  });

  void it('leaves the answer alone when scan_output is off', async () => {
    const gw = await testGateway(config.replace('scan_output: true', 'scan_output: false'));
    const res = await gw.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'leaky', messages: msg } });
    await gw.app.close();
    assert.equal(res.json().choices[0].message.content, LEAK);
  });
});
