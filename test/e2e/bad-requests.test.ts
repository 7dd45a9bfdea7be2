// A corpus of bad requests against a real gateway process: each gets an OpenAI-style error with the right status,
// and the gateway stays healthy and keeps serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../stack/ports.ts';
import { spawnHelix, waitFor, type HelixProcess } from '../helpers/processes.ts';

const json = (body: unknown) => JSON.stringify(body);
const MASTER = 'sk-helix-fuzz';
const auth = { authorization: `Bearer ${MASTER}` };
const msg = [{ role: 'user', content: 'hi' }];

// [name, body (string or bytes), expected status, content-type]
const CORPUS: Array<[string, string | Buffer, number, string?]> = [
  ['empty body', '', 400],
  ['truncated JSON', '{"model":"mock/echo","messages":[', 400],
  ['trailing garbage', '{"model":"mock/echo"}xyz', 400],
  ['single quotes', "{'model':'mock/echo'}", 400],
  ['JSON array', '[1,2,3]', 400],
  ['JSON string', '"hello"', 400],
  ['JSON null', 'null', 400],
  ['JSON number', '42', 400],
  ['missing model', json({ messages: msg }), 400],
  ['model is a number', json({ model: 5, messages: msg }), 400],
  ['empty model', json({ model: '', messages: msg }), 400],
  ['missing messages', json({ model: 'mock/echo' }), 400],
  ['messages not an array', json({ model: 'mock/echo', messages: 'hi' }), 400],
  ['empty messages', json({ model: 'mock/echo', messages: [] }), 400],
  ['message without role', json({ model: 'mock/echo', messages: [{ content: 'x' }] }), 400],
  ['unknown role', json({ model: 'mock/echo', messages: [{ role: 'wizard', content: 'x' }] }), 400],
  ['content is a number', json({ model: 'mock/echo', messages: [{ role: 'user', content: 7 }] }), 400],
  ['temperature too high', json({ model: 'mock/echo', messages: msg, temperature: 9 }), 400],
  ['temperature is a string', json({ model: 'mock/echo', messages: msg, temperature: 'hot' }), 400],
  ['stream is a string', json({ model: 'mock/echo', messages: msg, stream: 'yes' }), 400],
  ['n is zero', json({ model: 'mock/echo', messages: msg, n: 0 }), 400],
  ['max_tokens negative', json({ model: 'mock/echo', messages: msg, max_tokens: -1 }), 400],
  ['unknown model', json({ model: 'no-such-model', messages: msg }), 404],
  ['wrong content type', json({ model: 'mock/echo', messages: msg }), 400, 'text/plain'],
  ['deeply nested', '['.repeat(100_000) + ']'.repeat(100_000), 400],
  // A valid request whose tool schema nests 5,000 levels: refused before the PII scan or token counting walk it.
  ['deeply nested tool schema', `{"model":"mock/echo","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}}]}`, 400],
  ['invalid UTF-8', Buffer.concat([Buffer.from('{"model":"mock/echo","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}]}')]), 200],
  ['NUL bytes', json({ model: 'mock/echo', messages: [{ role: 'user', content: 'a\u0000b' }] }), 200],
  ['body over the size limit', json({ model: 'mock/echo', messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] }), 413],
];

describe('bad requests never crash the gateway', () => {
  let gw: HelixProcess;
  let url: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-fuzz-'));
    const config = join(dir, 'helix.yaml');
    writeFileSync(config, 'model_list:\n  - model_name: mock/echo\n    litellm_params: { model: mock/echo }\ngeneral_settings:\n  max_request_size_mb: 1\n');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gw = spawnHelix('gateway/main.ts', { HELIX_PORT: String(port), HELIX_CONFIG: config, HELIX_DATA_DIR: dir, HELIX_TOPIC_PREFIX: 'fuzz.', HELIX_MASTER_KEY: MASTER }, 'gateway', dir);
    await waitFor('gateway', async () => (await fetch(`${url}/health/live`)).ok);
  });
  after(async () => {
    await gw?.stop();
  });

  for (const [name, body, status, contentType] of CORPUS) {
    it(`${name} → ${status}`, async () => {
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': contentType ?? 'application/json' }, body });
      assert.equal(res.status, status, `${name}: ${await res.clone().text().then((t) => t.slice(0, 300))}`);
      const payload = (await res.json()) as { error?: { message: string; type: string; code: string | null } };
      if (status >= 400) {
        assert.ok(payload.error, 'OpenAI-style error body');
        assert.equal(typeof payload.error.message, 'string');
        assert.ok(payload.error.type);
      }
    });
  }

  it("answers every over-limit upload with a 413 the client reads (never a broken pipe), in each endpoint's shape", async () => {
    // Large enough that the upload is still going when the answer is ready.
    const big = 'x'.repeat(32 * 1024 * 1024);
    const sends = Array.from({ length: 6 }, (_, i) =>
      i % 2 === 0
        ? fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: json({ model: 'mock/echo', messages: [{ role: 'user', content: big }] }) })
        : fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': MASTER, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: json({ model: 'mock/echo', max_tokens: 8, messages: [{ role: 'user', content: big }] }) }),
    );
    for (const [i, res] of (await Promise.all(sends)).entries()) {
      assert.equal(res.status, 413);
      const body = (await res.json()) as { type?: string; error: { type: string } };
      if (i % 2 === 0) assert.equal(body.error.type, 'invalid_request_error');
      else assert.deepEqual([body.type, body.error.type], ['error', 'request_too_large']);
    }
    assert.equal((await fetch(`${url}/health/live`)).status, 200);
  });

  it('names the offending field', async () => {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: json({ model: 'mock/echo', messages: [{ role: 'user', content: 'x' }, { role: 'wizard', content: 'y' }] }) });
    const body = (await res.json()) as { error: { param: string; message: string } };
    assert.equal(body.error.param, 'messages[1].role');
    assert.match(body.error.message, /allowed values/);
  });

  it('unknown routes are 404 in the same error shape', async () => {
    const res = await fetch(`${url}/v1/nope`, { headers: auth });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found');
  });

  it('is still healthy and serving afterwards', async () => {
    assert.equal((await fetch(`${url}/health/live`)).status, 200);
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: json({ model: 'mock/echo', messages: msg }) });
    assert.equal(res.status, 200);
    assert.equal(gw.child.exitCode, null, 'process still running');
  });
});
