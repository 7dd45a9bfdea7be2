// Adversarial suite (issue 12), part 1: a real gateway + consumers attacked by an unfriendly user.
// - Admin: a virtual key on every admin route gets 401/403 (never 500, never the data).
// - Metric labels: unknown URLs and unknown model names do not add Prometheus series without bound.
// - Freeze: one request with a prompt of 50,000 copies of one letter, from a key with a budget, on every endpoint
//   (stream and not; /v1/responses and /v1/messages/count_tokens too): /health/live answers within 250 ms
//   throughout, and a normal request still reaches ClickHouse.
// A frozen gateway is replaced (SIGKILL + a new process) so each case reports on its own; a probe that is slow but
// answers (a busy shared machine can delay one) counts only if the attack slows it again on a second try.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testModelList } from '../helpers/traffic.ts';
import type { TrafficKey } from '../helpers/traffic.ts';
import {
  MASTER,
  LIVE_LIMIT_MS,
  call,
  canaryReachesClickHouse,
  describeResult,
  errorProblem,
  monitorLiveness,
  openAiErrorProblem,
  pool,
  probeLive,
  startStack,
  type AdversarialStack,
  type HttpResult,
  type LivenessReport,
} from '../helpers/adversarial.ts';

const CONFIG = {
  model_list: testModelList(),
  helix_settings: { semantic_cache: { semantic_enabled: false } },
};

const hex = () => randomBytes(6).toString('hex');
/** A body sent as this exact JSON text. */
class RawBody {
  constructor(readonly text: string) {}
}

describe('adversarial: admin routes, metric labels, freeze', () => {
  let stack: AdversarialStack;
  let attacker: TrafficKey;
  let victim: TrafficKey;
  let budgeted: TrafficKey;

  before(async () => {
    stack = await startStack(CONFIG);
    attacker = await stack.key();
    victim = await stack.key();
    budgeted = await stack.key({ max_budget: 1000, budget_duration: '1d' });
  });
  after(async () => {
    await stack?.stop();
  });

  // ---------------------------------------------------------------------------------------------------------------
  describe('admin routes refuse a virtual key (401/403, never 5xx)', () => {
    const routes = (): Array<[string, string, unknown?]> => [
      ['POST', '/key/generate', { key_alias: `stolen-${hex()}` }],
      ['GET', `/key/info?key=${victim.keyId}`],
      ['POST', '/key/update', { key: victim.keyId, rpm_limit: 1 }],
      ['POST', '/key/block', { key: victim.keyId }],
      ['POST', '/key/unblock', { key: victim.keyId }],
      ['POST', '/key/regenerate', { key: victim.keyId }],
      ['POST', `/key/${victim.keyId}/regenerate`, {}],
      ['GET', '/key/list'],
      ['POST', '/key/delete', { keys: [victim.keyId] }],
      ['POST', '/cache/invalidate', { namespace: 'default' }],
      ['GET', '/cache/stats'],
      ['GET', '/v1/helix/optimizer/suggestions'],
      ['GET', '/v1/helix/optimizer/savings'],
    ];
    const names = ['POST /key/generate', 'GET /key/info', 'POST /key/update', 'POST /key/block', 'POST /key/unblock', 'POST /key/regenerate', 'POST /key/:key/regenerate', 'GET /key/list', 'POST /key/delete', 'POST /cache/invalidate', 'GET /cache/stats', 'GET /v1/helix/optimizer/suggestions', 'GET /v1/helix/optimizer/savings'];

    names.forEach((name, i) => {
      it(`${name} with a virtual key → 401/403 in OpenAI's error shape`, async () => {
        const [method, path, body] = routes()[i]!;
        const r = await call(stack.url, path, body, { key: attacker.key, method, timeoutMs: 10_000 });
        assert.ok(r.status === 401 || r.status === 403, `${name}: ${describeResult(r)}`);
        assert.equal(openAiErrorProblem(r.text), undefined, `${name}: ${r.text}`);
      });
    });

    it('every admin route without credentials or with a made-up key → 401/403, never 5xx', async () => {
      const bad: string[] = [];
      for (const [method, path, body] of routes()) {
        for (const key of [undefined, `sk-helix-${'x'.repeat(40)}`]) {
          const r = await call(stack.url, path, body, { key, method, timeoutMs: 10_000 });
          if (!(r.status === 401 || r.status === 403) || openAiErrorProblem(r.text)) bad.push(`${method} ${path} (${key ? 'made-up key' : 'no key'}): ${describeResult(r)}`);
        }
      }
      assert.deepEqual(bad, []);
    });

    it('the query server refuses a virtual key (401)', async () => {
      const r = await call(String(stack.env.HELIX_QUERY_URL), '/v1/sql', { query: 'SELECT 1' }, { key: attacker.key, timeoutMs: 10_000 });
      assert.equal(r.status, 401, describeResult(r));
    });

    it('after all that, the victim key is unchanged and still serves', async () => {
      const r = await call(stack.url, '/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'still mine?' }] }, { key: victim.key, timeoutMs: 10_000 });
      assert.equal(r.status, 200, describeResult(r));
      const info = await call(stack.url, `/key/info?key=${victim.keyId}`, undefined, { key: MASTER });
      const body = JSON.parse(info.text) as { info?: { rpm_limit?: number | null; blocked?: boolean } };
      assert.ok(!body.info?.rpm_limit, `rpm_limit was changed: ${info.text}`);
      assert.ok(!body.info?.blocked, 'the key was blocked');
    });
  });

  // ---------------------------------------------------------------------------------------------------------------
  describe('metric labels stay bounded', () => {
    const seriesCount = async (): Promise<number> => {
      const r = await call(stack.url, '/metrics', undefined, { key: MASTER, timeoutMs: 10_000 });
      assert.equal(r.status, 200, `/metrics: ${describeResult(r)}`);
      return r.text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    };
    const GROWTH_LIMIT = 100;

    it(`500 requests to random unknown URLs add at most ${GROWTH_LIMIT} /metrics series`, async () => {
      const pid = stack.gateway.child.pid;
      const variants = (name: string): Array<{ path: string; method: string; key?: string }> => {
        const out: Array<{ path: string; method: string; key?: string }> = [];
        for (const path of [`/v1/${name}`, `/${name}`, `/v1/chat/${name}`, `/v1/chat/completions/${name}`]) {
          for (const method of ['GET', 'POST']) for (const key of [undefined, attacker.key, 'sk-bogus']) out.push({ path, method, key });
        }
        return out;
      };
      // Every kind once first: one "unknown" label per kind is fine; one per URL is not.
      for (const v of variants(`warm-${hex()}`)) await call(stack.url, v.path, v.method === 'POST' ? {} : undefined, { key: v.key, method: v.method, timeoutMs: 10_000 });
      const before = await seriesCount();
      const all = Array.from({ length: 500 }, (_, i) => variants(`u-${hex()}`)[i % 24]!);
      const results = await pool(all, 8, (v) => call(stack.url, v.path, v.method === 'POST' ? {} : undefined, { key: v.key, method: v.method, timeoutMs: 10_000 }));
      const after = await seriesCount();
      assert.equal(stack.gateway.child.pid, pid, 'same gateway process');
      assert.ok(results.every((r) => r.status >= 400 && r.status < 500), `statuses: ${[...new Set(results.map((r) => r.status))].join(',')}`);
      assert.ok(after - before <= GROWTH_LIMIT, `/metrics grew by ${after - before} series lines (${before} → ${after})`);
    });

    it(`500 requests with random model names add at most ${GROWTH_LIMIT} /metrics series`, async () => {
      const pid = stack.gateway.child.pid;
      const req = (model: string, i: number): [string, unknown] => {
        switch (i % 6) {
          case 0:
            return ['/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }];
          case 1:
            return ['/v1/completions', { model, prompt: 'hi' }];
          case 2:
            return ['/v1/embeddings', { model, input: 'hi' }];
          case 3:
            return ['/v1/responses', { model, input: 'hi' }];
          case 4:
            return ['/v1/messages/count_tokens', { model, messages: [{ role: 'user', content: 'hi' }] }];
          default:
            return ['/v1/messages', { model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }];
        }
      };
      for (let i = 0; i < 6; i++) await call(stack.url, ...req(`warm-${hex()}`, i), { key: attacker.key, timeoutMs: 10_000 });
      const before = await seriesCount();
      const results = await pool(Array.from({ length: 500 }, (_, i) => i), 8, (i) => call(stack.url, ...req(`model-${hex()}`, i), { key: attacker.key, timeoutMs: 10_000 }));
      const after = await seriesCount();
      assert.equal(stack.gateway.child.pid, pid, 'same gateway process');
      assert.ok(results.every((r) => r.status >= 400 && r.status < 500), `statuses: ${[...new Set(results.map((r) => r.status))].join(',')}`);
      assert.ok(after - before <= GROWTH_LIMIT, `/metrics grew by ${after - before} series lines (${before} → ${after})`);
    });
  });

  // ---------------------------------------------------------------------------------------------------------------
  describe('freeze: a 50,000-letter prompt from a budgeted key never stalls the event loop', () => {
    const RUN = 50_000;
    const cases: Array<{ name: string; path: string; body: (prompt: string) => unknown }> = [
      { name: '/v1/chat/completions', path: '/v1/chat/completions', body: (p) => ({ model: 'mock/echo', messages: [{ role: 'user', content: p }] }) },
      { name: '/v1/chat/completions stream', path: '/v1/chat/completions', body: (p) => ({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: p }] }) },
      { name: '/v1/messages', path: '/v1/messages', body: (p) => ({ model: 'mock/echo', max_tokens: 64, messages: [{ role: 'user', content: p }] }) },
      { name: '/v1/messages stream', path: '/v1/messages', body: (p) => ({ model: 'mock/echo', max_tokens: 64, stream: true, messages: [{ role: 'user', content: p }] }) },
      { name: '/v1/completions', path: '/v1/completions', body: (p) => ({ model: 'mock/echo', prompt: p }) },
      { name: '/v1/completions stream', path: '/v1/completions', body: (p) => ({ model: 'mock/echo', prompt: p, stream: true }) },
      { name: '/v1/embeddings', path: '/v1/embeddings', body: (p) => ({ model: 'mock/echo', input: p }) },
      { name: '/v1/responses', path: '/v1/responses', body: (p) => ({ model: 'mock/echo', input: p }) },
      { name: '/v1/responses stream', path: '/v1/responses', body: (p) => ({ model: 'mock/echo', stream: true, input: [{ role: 'user', content: [{ type: 'input_text', text: p }] }] }) },
      { name: '/v1/messages/count_tokens', path: '/v1/messages/count_tokens', body: (p) => ({ model: 'mock/echo', messages: [{ role: 'user', content: p }] }) },
      // Nesting no recursive walk survives (written as raw JSON: JSON.stringify here would run out of stack too).
      { name: '/v1/responses, a tool schema nested 100,000 deep', path: '/v1/responses', body: (p) => rawJson({ model: 'mock/echo', input: p.slice(0, 100), tools: [{ type: 'function', name: 'f', parameters: DEEP }] }) },
      { name: '/v1/responses stream, a tool_choice nested 100,000 deep', path: '/v1/responses', body: (p) => rawJson({ model: 'mock/echo', stream: true, input: p.slice(0, 100), tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'allowed_tools', mode: 'auto', tools: DEEP } }) },
      { name: '/v1/messages/count_tokens, a tool schema nested 100,000 deep', path: '/v1/messages/count_tokens', body: (p) => rawJson({ model: 'mock/echo', messages: [{ role: 'user', content: p.slice(0, 100) }], tools: [{ name: 't', input_schema: DEEP }] }) },
    ];
    const DEPTH = 100_000;
    const DEEP = Symbol('deep');
    /** The body as JSON text with DEEP standing for `[[[…]]]` DEPTH levels deep. */
    const rawJson = (body: unknown): RawBody => new RawBody(JSON.stringify(body, (_k, v: unknown) => (v === DEEP ? '@deep@' : v)).replace('"@deep@"', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`));
    const ATTACK_WINDOW_MS = 20_000;
    const MIN_WATCH_MS = 1_500;

    /** One attack while /health/live is polled every 50 ms; a frozen or hung gateway is replaced afterwards. */
    async function attackOnce(path: string, body: unknown): Promise<{ report: LivenessReport; attack: HttpResult | undefined }> {
      await probeLive(stack.url); // connection warm
      const monitor = monitorLiveness(stack.url);
      const started = Date.now();
      const abort = new AbortController();
      let attack: HttpResult | undefined;
      const raw = body instanceof RawBody ? body.text : undefined;
      const attackDone = call(stack.url, path, body, { raw, key: budgeted.key, timeoutMs: ATTACK_WINDOW_MS + 5_000, signal: abort.signal, headers: { 'cache-control': 'no-store' } }).then((r) => (attack = r));
      await Promise.race([attackDone, monitor.stuck, sleep(ATTACK_WINDOW_MS)]);
      const watched = Date.now() - started;
      if (watched < MIN_WATCH_MS) await Promise.race([sleep(MIN_WATCH_MS - watched), monitor.stuck]);
      const report = await monitor.stop();
      if (report.stuck || attack === undefined) {
        // Frozen (or hung): free the suite from it — a new gateway process for the next case.
        abort.abort();
        await stack.replaceGateway();
      }
      await attackDone;
      return { report, attack };
    }

    cases.forEach((c, i) => {
      it(`${c.name}: /health/live stays under ${LIVE_LIMIT_MS} ms, the request is answered, a normal request still reaches ClickHouse`, async (t) => {
        // A different letter per case: no exact-cache hit can skip the work.
        const body = c.body(String.fromCharCode(97 + i).repeat(RUN));
        let { report, attack } = await attackOnce(c.path, body);
        if (!report.stuck && report.maxMs > LIVE_LIMIT_MS) {
          // Slow but not frozen: a busy shared machine can delay a probe. It counts if it happens again.
          t.diagnostic(`first attempt: /health/live max ${report.maxMs} ms (slow probes: ${report.slow.join(', ')} ms); trying again`);
          ({ report, attack } = await attackOnce(c.path, body));
        }
        const liveness = `/health/live: max ${report.maxMs} ms over ${report.probes} probes${report.stuck ? ' — then no answer within 2 s (event loop frozen; gateway replaced)' : ''}${report.slow.length ? `; slow probes: ${report.slow.slice(0, 10).join(', ')} ms` : ''}`;
        t.diagnostic(`${liveness}; the attack: ${attack ? `${attack.status} in ${Math.round(attack.ms)} ms` : 'no answer'}`);
        assert.ok(!report.stuck && report.maxMs <= LIVE_LIMIT_MS, liveness);
        assert.ok(attack, `the attack request got no answer within ${ATTACK_WINDOW_MS / 1000} s`);
        assert.ok(attack.status >= 200 && attack.status < 500, `the attack request: ${describeResult(attack)}`);
        if (attack.status >= 400) assert.equal(errorProblem(c.path, attack.text), undefined);
        const canary = await canaryReachesClickHouse(stack);
        assert.ok(canary.ok, canary.detail);
      });
    });
  });
});
