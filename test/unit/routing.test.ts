// Routing through the real app: a LiteLLM-style config whose deployments fail is still served via retries and
// fallbacks, every attempt is recorded, and exhausted upstreams map to the right OpenAI-style errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testGateway } from '../helpers/app.ts';
import type { ResponseEvent } from '../../schemas/events.ts';

const LITELLM_CONFIG = `
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: mock/echo
      mock_fail_status: 500
      rpm: 100
  - model_name: gpt-4o
    litellm_params:
      model: mock/echo
      rpm: 100
  - model_name: always-down
    litellm_params:
      model: mock/echo
      mock_fail_status: 503
  - model_name: backup
    litellm_params:
      model: mock/fixed
  - model_name: throttled
    litellm_params:
      model: mock/echo
      mock_fail_status: 429
  - model_name: bad-input
    litellm_params:
      model: mock/echo
      mock_fail_status: 400
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 2
  cooldown_time: 0
  fallbacks:
    - always-down: [backup]
general_settings:
  master_key: sk-unused
litellm_settings:
  drop_params: true
`;

const chat = (model: string, content = 'hi') => ({ method: 'POST' as const, url: '/v1/chat/completions', payload: { model, messages: [{ role: 'user', content }] } });

describe('routing, retries and fallbacks', () => {
  it('serves every request of a model group with one failing deployment', async () => {
    const { app, events } = await testGateway(LITELLM_CONFIG);
    for (let i = 0; i < 40; i++) {
      const res = await app.inject(chat('gpt-4o', `req ${i}`));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().choices[0].message.content, `req ${i}`);
    }
    const responses = events.filter((e): e is ResponseEvent => e.type === 'response');
    assert.equal(responses.length, 40);
    const retried = responses.filter((e) => e.attempts.length > 1);
    assert.ok(retried.length > 0, 'some requests hit the failing deployment first');
    for (const e of retried) {
      assert.equal(e.attempts[0]!.status, 500);
      assert.equal(e.attempts.at(-1)!.status, 200);
      assert.notEqual(e.attempts[0]!.deployment, e.attempts.at(-1)!.deployment, 'the retry goes to the other deployment');
    }
  });

  it('falls back to another model group when a group is down', async () => {
    const { app, events } = await testGateway(LITELLM_CONFIG);
    const res = await app.inject(chat('always-down'));
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().choices[0].message.content, 'Hello from the Helix mock provider.');
    const e = events.find((x): x is ResponseEvent => x.type === 'response')!;
    assert.deepEqual(e.attempts.map((a) => a.status), [503, 503, 503, 200]);
    assert.match(e.attempts.at(-1)!.deployment, /^backup#/);
  });

  it('maps exhausted upstream failures to OpenAI-style errors', async () => {
    const { app, events } = await testGateway(LITELLM_CONFIG);
    const throttled = await app.inject(chat('throttled'));
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.json().error.type, 'rate_limit_error');
    assert.ok(Number(throttled.headers['retry-after']) >= 1);
    const bad = await app.inject(chat('bad-input'));
    assert.equal(bad.statusCode, 400);
    const err = events.filter((e): e is ResponseEvent => e.type === 'error').find((e) => e.model === 'bad-input')!;
    assert.equal(err.attempts.length, 1, 'a 400 from upstream is not retried');
  });

  it('lists close model names on 404', async () => {
    const { app } = await testGateway(LITELLM_CONFIG);
    const res = await app.inject(chat('gpt-4'));
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'model_not_found');
    assert.match(res.json().error.message, /gpt-4o/);
  });

  it('rejects a config with an unknown fallback target, naming the path', async () => {
    await assert.rejects(testGateway(`model_list: [{ model_name: a, litellm_params: { model: mock/echo } }]\nrouter_settings: { fallbacks: [{ a: [nope] }] }`), /fallbacks.*nope/);
    await assert.rejects(testGateway(`model_list: [{ model_name: a }]`), /model_list\[0\]\.litellm_params/);
  });
});
