// Adversarial suite (issue 12), part 2: the event stream cannot be wedged, and errors do not copy what they refuse.
// - Wedge: a 1.2 MB `model` (any endpoint, valid key), a 1.2 MB `user`, a 1.2 MB metadata value, 60,000 metadata
//   keys. The answer is small (never the 1.2 MB echoed back), a normal request afterwards still reaches ClickHouse,
//   and /health/ready does not report Kafka degraded.
// - JSON parse errors: a body that is not JSON and carries a secret (or valid JSON around tool-call arguments that
//   are not); no piece of it reaches error_message in ClickHouse, any Kafka event or the logs.
// - Unicode the analytics store must take: a lone surrogate in a model name, emoji cut in half by clipping — the
//   ClickHouse sink must not get stuck on the event (it would re-read it forever).
// A wedged gateway is replaced by a new process with a fresh data dir (its spool would carry the wedge along), so
// each case reports on its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { testModelList, type TrafficKey } from '../helpers/traffic.ts';
import { startFakeAnthropic, type FakeUpstream } from '../helpers/fake-upstreams.ts';
import {
  call,
  canaryReachesClickHouse,
  describeResult,
  errorProblem,
  kafkaHealth,
  missingResponseRows,
  readAllTopics,
  startStack,
  stringsIn,
  type AdversarialStack,
} from '../helpers/adversarial.ts';

const config = (anthropicUrl: string) => ({
  model_list: [...testModelList(), { model_name: 'recorded-claude', litellm_params: { model: 'anthropic/claude-sonnet-4-5', api_base: anthropicUrl, api_key: 'sk-ant-upstream' } }],
  helix_settings: { semantic_cache: { semantic_enabled: false } },
});

const HUGE_BYTES = Math.round(1.2 * 1024 * 1024);
/** Varied text (not a run of one letter: that is the freeze attack, not this one). */
const huge = (): string => randomBytes(Math.ceil((HUGE_BYTES * 3) / 4)).toString('base64').slice(0, HUGE_BYTES);
const SMALL_BODY = 4096;
const msg = [{ role: 'user', content: 'hello' }];

describe('adversarial: huge client strings cannot wedge the event stream', () => {
  let stack: AdversarialStack;
  let key: TrafficKey;
  let anthropic: FakeUpstream;

  before(async () => {
    anthropic = await startFakeAnthropic();
    stack = await startStack(config(anthropic.url));
    key = await stack.key();
  });
  after(async () => {
    await stack?.stop();
    await anthropic?.close();
  });

  const cases: Array<{ name: string; path: string; body: () => unknown; expect: '4xx' | 'any' }> = [
    { name: '1.2 MB model on /v1/chat/completions', path: '/v1/chat/completions', body: () => ({ model: huge(), messages: msg }), expect: '4xx' },
    { name: '1.2 MB model on /v1/chat/completions (stream)', path: '/v1/chat/completions', body: () => ({ model: huge(), stream: true, messages: msg }), expect: '4xx' },
    { name: '1.2 MB model on /v1/messages', path: '/v1/messages', body: () => ({ model: huge(), max_tokens: 16, messages: msg }), expect: '4xx' },
    { name: '1.2 MB model on /v1/completions', path: '/v1/completions', body: () => ({ model: huge(), prompt: 'hello' }), expect: '4xx' },
    { name: '1.2 MB model on /v1/embeddings', path: '/v1/embeddings', body: () => ({ model: huge(), input: 'hello' }), expect: '4xx' },
    { name: '1.2 MB user on /v1/chat/completions', path: '/v1/chat/completions', body: () => ({ model: 'mock/echo', user: huge(), messages: msg }), expect: 'any' },
    { name: '1.2 MB metadata value on /v1/chat/completions', path: '/v1/chat/completions', body: () => ({ model: 'mock/echo', metadata: { note: huge() }, messages: msg }), expect: 'any' },
    {
      name: '60,000 metadata keys on /v1/chat/completions',
      path: '/v1/chat/completions',
      body: () => ({ model: 'mock/echo', metadata: Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}-${randomBytes(2).toString('hex')}`, `v${i}`])), messages: msg }),
      expect: 'any',
    },
    { name: '1.2 MB user on /v1/messages (metadata.user_id)', path: '/v1/messages', body: () => ({ model: 'mock/echo', max_tokens: 16, metadata: { user_id: huge() }, messages: msg }), expect: 'any' },
  ];

  for (const c of cases) {
    it(`${c.name}: small answer, a normal request still reaches ClickHouse, Kafka not degraded`, async () => {
      const r = await call(stack.url, c.path, c.body(), { key: key.key, timeoutMs: 20_000 });
      const canary = await canaryReachesClickHouse(stack, 12_000);
      const kafka = canary.ok ? await kafkaHealth(stack) : undefined;
      // A wedged event bus spools to disk and survives restarts: the next case gets a new process and data dir.
      if (!canary.ok || kafka?.status === 'degraded') await stack.replaceGateway({ fresh: true });

      assert.ok(r.status >= 200 && r.status < 500 && (c.expect === 'any' || r.status >= 400), `the attack: ${describeResult(r)}`);
      assert.ok(r.bytes < SMALL_BODY, `the answer is ${r.bytes} bytes (echoes the input?): ${describeResult(r)}`);
      if (r.status >= 400) assert.equal(errorProblem(c.path, r.text), undefined, `error shape: ${r.text.slice(0, 300)}`);
      assert.ok(canary.ok, canary.detail);
      assert.notEqual(kafka?.status, 'degraded', `/health/ready: ${kafka?.raw}`);
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  describe('JSON parse errors copy nothing of the raw body', () => {
    const secrets: string[] = [];
    const ids: string[] = [];
    /** 8-character windows of a secret: none may show up anywhere. */
    const pieces = (secret: string): string[] => Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8));
    const leaks = (haystack: string[]): string[] => {
      const found = new Set<string>();
      for (const s of secrets) for (const p of pieces(s)) if (haystack.some((h) => h.includes(p))) found.add(s);
      return [...found];
    };

    // Pronounceable words under a neutral name (not a key-shaped token after "token": PII redaction of an API_KEY
    // must not be what hides a copy); random enough that no 8-character piece of one matches another.
    const syllable = () => 'bdfgklmnprstvz'[randomBytes(1)[0]! % 14]! + 'aeiou'[randomBytes(1)[0]! % 5]!;
    const word = () => Array.from({ length: 3 }, syllable).join('');
    const secret = () => `${word()}-${word()}-${word()}-${word()}`;
    const parseCases: Array<{ name: string; path: string; bodies: (s: () => string) => string[] }> = [
      ...['/v1/chat/completions', '/v1/messages', '/v1/completions', '/v1/embeddings'].map((path) => ({
        name: `${path}: a body that is not JSON`,
        path,
        bodies: (s: () => string) => [`{"model":"mock/echo","api_key":${s()}}`, s(), `{"model":"mock/echo","messages":[{"role":"user","content":"${s()}"}`],
      })),
      {
        // Valid JSON around a JSON document that is not: tool-call arguments, translated for an Anthropic model.
        name: '/v1/chat/completions: tool-call arguments that are not JSON (to an Anthropic model)',
        path: '/v1/chat/completions',
        bodies: (s: () => string) => [
          JSON.stringify({
            model: 'recorded-claude',
            messages: [
              { role: 'user', content: 'look it up' },
              { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: `{"q": ${s()}` } }] },
              { role: 'tool', tool_call_id: 'call_1', content: 'done' },
              { role: 'user', content: 'thanks' },
            ],
            tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
          }),
        ],
      },
    ];

    for (const c of parseCases) {
      it(`${c.name} carrying a secret → 4xx in the endpoint's shape, and no piece of the secret in error_message`, async () => {
        const mine: string[] = [];
        const make = () => {
          const v = secret();
          mine.push(v);
          return v;
        };
        for (const raw of c.bodies(make)) {
          const r = await call(stack.url, c.path, undefined, { key: key.key, raw, headers: { 'content-type': 'application/json' }, timeoutMs: 10_000 });
          assert.ok(r.status >= 400 && r.status < 500, describeResult(r));
          assert.equal(errorProblem(c.path, r.text), undefined, r.text);
          const id = r.headers.get('x-request-id');
          if (id) ids.push(id);
        }
        secrets.push(...mine);
        const canary = await canaryReachesClickHouse(stack, 12_000);
        assert.ok(canary.ok, canary.detail);
        // The refused requests' own rows, if Helix records them (it may or may not; it must not copy the body).
        await missingResponseRows(stack, ids.slice(-mine.length), 3_000);
        const rows = await stack.sql<{ error_message: string }>("SELECT error_message FROM helix.responses WHERE error_message != ''");
        const copied = rows.map((row) => row.error_message).filter((m) => mine.some((v) => pieces(v).some((p) => m.includes(p))));
        assert.deepEqual(copied, [], 'error_message copies the raw body');
      });
    }

    it('no piece of those bodies is on any Kafka topic', async () => {
      assert.ok(secrets.length >= 3, 'the cases above ran');
      const events = await readAllTopics(String(stack.env.HELIX_TOPIC_PREFIX));
      assert.deepEqual(leaks(events.flatMap((e) => stringsIn(e.value))), []);
    });

    it('no piece of those bodies is in the gateway or consumer logs', async () => {
      assert.ok(secrets.length >= 3, 'the cases above ran');
      assert.deepEqual(leaks([stack.logs()]), []);
    });
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Last: a ClickHouse sink that chokes on an event re-reads it after any restart, so nothing after these could
  // report on its own.
  describe('text the analytics store must take as it is', () => {
    const unicodeCases: Array<{ name: string; body: () => unknown }> = [
      { name: 'a model name holding a lone surrogate', body: () => ({ model: `no-such-model-\uD800-${randomBytes(3).toString('hex')}`, messages: msg }) },
      // Clipped to a maximum length somewhere (error text, event fields): a cut inside a surrogate pair leaves half of it.
      { name: 'a model name of 400 emoji (any clipping cuts through a pair)', body: () => ({ model: `x${'😀'.repeat(400)}`, messages: msg }) },
      { name: 'a model name of 400 emoji, shifted by one', body: () => ({ model: `${'😀'.repeat(400)}`, messages: msg }) },
    ];
    for (const c of unicodeCases) {
      it(`${c.name}: a 4xx, and a normal request still reaches ClickHouse`, async () => {
        const r = await call(stack.url, '/v1/chat/completions', c.body(), { key: key.key, timeoutMs: 10_000 });
        assert.ok(r.status >= 400 && r.status < 500, describeResult(r));
        assert.equal(errorProblem('/v1/chat/completions', r.text), undefined, r.text);
        const canary = await canaryReachesClickHouse(stack, 12_000);
        assert.ok(canary.ok, `${canary.detail} (is the ClickHouse sink stuck on this event? see consumers.log)`);
      });
    }
  });
});
