// While the event stream cannot take a request's events (the spool at its cap), every /v1 endpoint answers 503 with
// Retry-After in its own error shape, and serves again once it can.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parseConfig, runtimeEnv, type HelixConfig } from '../../lib/config.ts';
import { buildApp, createRouter } from '../../gateway/app.ts';

const config: HelixConfig = {
  ...parseConfig(parse('model_list:\n  - model_name: mock/echo\n    litellm_params: { model: mock/echo }\n'), process.env),
  env: runtimeEnv({ HELIX_DATA_DIR: '.tmp/test' }),
};
const msg = [{ role: 'user', content: 'hi' }];
const REQUESTS = [
  ['/v1/chat/completions', { model: 'mock/echo', messages: msg }],
  ['/v1/chat/completions', { model: 'mock/echo', messages: msg, stream: true }],
  ['/v1/messages', { model: 'mock/echo', max_tokens: 10, messages: msg }],
  ['/v1/completions', { model: 'mock/echo', prompt: 'hi' }],
  ['/v1/embeddings', { model: 'mock/echo', input: 'hi' }],
] as const;

void describe('requests are refused while their events cannot be kept', () => {
  void it('503 + Retry-After on every endpoint while the spool is full, 200 again after', async () => {
    let accepting = false;
    const app = await buildApp({ config, events: { emit: () => undefined, accepting: () => accepting }, router: createRouter(config), health: { shuttingDown: () => false, components: async () => ({}) } });
    try {
      for (const [url, payload] of REQUESTS) {
        const res = await app.inject({ method: 'POST', url, payload });
        assert.equal(res.statusCode, 503, url);
        assert.equal(res.headers['retry-after'], '5');
        const body = res.json();
        if (url === '/v1/messages') assert.equal(body.error.type, 'overloaded_error');
        else assert.equal(body.error.code, 'service_unavailable');
      }
      accepting = true;
      for (const [url, payload] of REQUESTS) assert.equal((await app.inject({ method: 'POST', url, payload })).statusCode, 200, url);
    } finally {
      await app.close();
    }
  });
});
