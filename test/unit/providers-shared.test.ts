// Shared provider plumbing: SSE parsing, error mapping, keep-alive pools, timeouts and abort propagation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { UpstreamError } from '../../gateway/providers/types.ts';
import { SseLineParser, parseSse, formatSse, type SseEvent } from '../../gateway/providers/shared/sse.ts';
import { errorFieldsFrom, retryAfterMsFrom, transportError, upstreamErrorFromResponse } from '../../gateway/providers/shared/errors.ts';
import { closePools, joinUrl, poolFor, requestJson, requestSse } from '../../gateway/providers/shared/http.ts';
import { extraHeaders, resolveEnvRef, stringParam } from '../../gateway/providers/shared/params.ts';
import { collect, startFakeOpenAI, type FakeUpstream } from '../helpers/fake-upstreams.ts';

const SAMPLE =
  ': keep-alive comment\r\n' +
  'event: message_start\r\ndata: {"text":"héllo ✓ 🌍"}\r\n\r\n' +
  'data: line one\ndata: line two\n\n' +
  'id: 7\rretry: 1500\rdata:no-space\r\r' +
  'event: ping\ndata: {}\n\n' +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"text":"héllo ✓ 🌍"}' },
  { data: 'line one\nline two' },
  { data: 'no-space', id: '7', retry: 1500 },
  { event: 'ping', data: '{}', id: '7' },
  { data: '[DONE]', id: '7' },
];

async function* bytesIn(buf: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let prev = 0;
  for (const cut of [...cuts, buf.length]) {
    yield buf.subarray(prev, cut);
    prev = cut;
  }
}

describe('SSE parser', () => {
  it('parses events with CRLF, CR, LF, comments, multi-line data, id and retry', async () => {
    assert.deepEqual(await collect(parseSse(bytesIn(Buffer.from(SAMPLE), []))), EXPECTED);
  });

  it('gives the same events for every two-piece split of the byte stream (incl. inside UTF-8 and \\r\\n)', async () => {
    const buf = Buffer.from(SAMPLE);
    for (let cut = 1; cut < buf.length; cut++) {
      assert.deepEqual(await collect(parseSse(bytesIn(buf, [cut]))), EXPECTED, `split at byte ${cut}`);
    }
  });

  it('gives the same events fed byte by byte', async () => {
    const buf = Buffer.from(SAMPLE);
    assert.deepEqual(await collect(parseSse(bytesIn(buf, Array.from({ length: buf.length - 1 }, (_, i) => i + 1)))), EXPECTED);
  });

  it('dispatches a final event that lacks its blank line at end of input', async () => {
    assert.deepEqual(await collect(parseSse(bytesIn(Buffer.from('data: a\n\ndata: tail'), []))), [{ data: 'a' }, { data: 'tail' }]);
  });

  it('yields each event as soon as it is complete (no read-ahead)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let secondSent = false;
    async function* source(): AsyncGenerator<string> {
      yield 'data: first\n\ndata: sec';
      await gate;
      secondSent = true;
      yield 'ond\n\n';
    }
    const iter = parseSse(source());
    const first = await iter.next();
    assert.deepEqual(first.value, { data: 'first' });
    assert.equal(secondSent, false);
    release();
    assert.deepEqual((await iter.next()).value, { data: 'second' });
  });

  it('holds back no more than the partial line', () => {
    const p = new SseLineParser();
    assert.deepEqual(p.push('data: {"a":'), []);
    assert.deepEqual(p.push('1}\n'), []);
    assert.deepEqual(p.push('\n'), [{ data: '{"a":1}' }]);
  });

  it('formats events', () => {
    assert.equal(formatSse({ a: 1 }), 'data: {"a":1}\n\n');
    assert.equal(formatSse({ type: 'ping' }, 'ping'), 'event: ping\ndata: {"type":"ping"}\n\n');
  });
});

describe('upstream error mapping', () => {
  it('reads retry-after-ms, retry-after seconds and retry-after dates', () => {
    assert.equal(retryAfterMsFrom({ 'retry-after-ms': '1500.4' }), 1500);
    assert.equal(retryAfterMsFrom({ 'retry-after': '7' }), 7000);
    assert.equal(retryAfterMsFrom({ 'retry-after': '0.5' }), 500);
    assert.equal(retryAfterMsFrom({ 'retry-after-ms': '250', 'retry-after': '9' }), 250);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMsFrom({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now), 30_000);
    assert.equal(retryAfterMsFrom({ 'retry-after': 'soon' }), undefined);
    assert.equal(retryAfterMsFrom({}), undefined);
  });

  it('understands the common error body shapes', () => {
    assert.deepEqual(errorFieldsFrom({ error: { message: 'm', type: 't', code: 'c' } }), { message: 'm', type: 't', code: 'c' });
    assert.deepEqual(errorFieldsFrom({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } }), { message: 'busy', type: 'overloaded_error', code: undefined });
    assert.equal(errorFieldsFrom({ error: 'model "x" not found' }).message, 'model "x" not found');
    assert.deepEqual(errorFieldsFrom({ object: 'error', message: 'bad', type: 'BadRequestError', code: 400 }), { message: 'bad', type: 'BadRequestError', code: '400' });
    assert.equal(errorFieldsFrom({ detail: 'Not Found' }).message, 'Not Found');
  });

  it('builds UpstreamError with status, message, type, code and retryAfterMs', () => {
    const err = upstreamErrorFromResponse(429, { 'retry-after': '3' }, JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }));
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.status, 429);
    assert.equal(err.message, 'Rate limit reached');
    assert.deepEqual([err.options.retryAfterMs, err.options.type, err.options.code], [3000, 'requests', 'rate_limit_exceeded']);
    const text = upstreamErrorFromResponse(502, {}, '<html>Bad gateway</html>');
    assert.equal(text.message, '<html>Bad gateway</html>');
    assert.equal(upstreamErrorFromResponse(503, {}, '').message, 'upstream answered HTTP 503');
  });

  it('maps transport failures: client abort 499, timeouts 504, connection errors 502', () => {
    assert.equal(transportError(new Error('x'), 'client-abort').status, 499);
    assert.equal(transportError(new Error('x'), 'timeout', 100).status, 504);
    assert.equal(transportError(Object.assign(new Error('h'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), undefined).status, 504);
    const refused = transportError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), undefined);
    assert.deepEqual([refused.status, refused.options.code], [502, 'ECONNREFUSED']);
  });
});

describe('params', () => {
  it('resolves os.environ/ references, env fallbacks and extra headers', () => {
    process.env.HELIX_TEST_SECRET = 's3cret';
    assert.equal(resolveEnvRef('os.environ/HELIX_TEST_SECRET'), 's3cret');
    assert.equal(resolveEnvRef('plain'), 'plain');
    assert.equal(stringParam({ model: 'm' }, 'api_key', ['HELIX_TEST_SECRET']), 's3cret');
    assert.equal(stringParam({ model: 'm', api_key: 'k' }, 'api_key', ['HELIX_TEST_SECRET']), 'k');
    const params = { model: 'm', extra_headers: { 'Anthropic-Beta': 'x', n: 1 } }; // extra litellm_params keys are allowed
    assert.deepEqual(extraHeaders(params), { 'anthropic-beta': 'x' });
    assert.equal(joinUrl('http://h/v1/', '/chat/completions'), 'http://h/v1/chat/completions');
  });
});

describe('upstream HTTP (undici pools)', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
    await closePools();
  });
  const call = (over: Partial<Parameters<typeof requestJson>[0]> = {}) => ({
    url: `${fake.url}/v1/chat/completions`,
    body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    signal: new AbortController().signal,
    timeoutMs: 5000,
    ...over,
  });

  it('reuses one keep-alive pool and connection per origin', async () => {
    assert.equal(poolFor(fake.url), poolFor(fake.url));
    const before = fake.connections;
    for (let i = 0; i < 6; i++) {
      await requestJson(call());
      await new Promise((r) => setImmediate(r)); // let undici mark the socket idle again
    }
    assert.equal(fake.connections - before, 1);
  });

  it('maps HTTP errors with Retry-After', async () => {
    fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'slow down', type: 'tokens', code: 'rate_limit_exceeded' } } });
    await assert.rejects(requestJson(call()), (err: unknown) => err instanceof UpstreamError && err.status === 429 && err.options.retryAfterMs === 2000 && err.options.code === 'rate_limit_exceeded');
  });

  it('connection refused → 502', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as AddressInfo;
    await new Promise<void>((r) => srv.close(() => r()));
    await assert.rejects(requestJson(call({ url: `http://127.0.0.1:${port}/v1/x` })), (err: unknown) => err instanceof UpstreamError && err.status === 502);
  });

  it('connection reset without an answer → 502', async () => {
    fake.enqueue({ kind: 'destroy' });
    await assert.rejects(requestJson(call()), (err: unknown) => err instanceof UpstreamError && err.status === 502);
  });

  it('timeout → 504 and the upstream connection is closed', async () => {
    fake.enqueue({ kind: 'hang' });
    const started = Date.now();
    await assert.rejects(requestJson(call({ timeoutMs: 150 })), (err: unknown) => err instanceof UpstreamError && err.status === 504);
    assert.ok(Date.now() - started < 2000);
    await fake.last().closedEarly;
  });

  it('a slow answer within the timeout succeeds', async () => {
    fake.enqueue({ kind: 'json', delayMs: 100, body: { ok: true } });
    assert.deepEqual(await requestJson(call({ timeoutMs: 2000 })), { ok: true });
  });

  it('abort → 499 and the upstream sees the connection close', async () => {
    fake.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const arrived = fake.nextRequest();
    const pending = requestJson(call({ signal: ac.signal }));
    const seen = await arrived;
    ac.abort();
    await assert.rejects(pending, (err: unknown) => err instanceof UpstreamError && err.status === 499);
    await seen.closedEarly;
    assert.equal(seen.aborted, true);
  });

  it('an already-aborted signal never reaches the upstream', async () => {
    const ac = new AbortController();
    ac.abort();
    const count = fake.requests.length;
    await assert.rejects(requestJson(call({ signal: ac.signal })), (err: unknown) => err instanceof UpstreamError && err.status === 499);
    assert.equal(fake.requests.length, count);
  });

  it('SSE streams have an idle timeout (not a total one)', async () => {
    // 5 events 120 ms apart = 600 ms total, idle timeout 400 ms: must succeed.
    fake.enqueue({ kind: 'sse', gapMs: 120, events: [1, 2, 3, 4, 5].map((n) => ({ data: { n } })) });
    const events = await collect(requestSse(call({ timeoutMs: 400 })));
    assert.equal(events.length, 5);
    // A stream that goes silent trips it.
    fake.enqueue({ kind: 'sse', hold: { afterEvents: 1, until: new Promise(() => undefined) }, events: [{ data: 'a' }, { data: 'b' }] });
    const iter = requestSse(call({ timeoutMs: 150 }));
    assert.deepEqual((await iter.next()).value, { data: 'a' });
    await assert.rejects(iter.next(), (err: unknown) => err instanceof UpstreamError && err.status === 504);
  });

  it('a status-200 JSON answer to a stream request is an error', async () => {
    fake.enqueue({ kind: 'json', body: { error: { message: 'streaming unsupported' } } });
    await assert.rejects(collect(requestSse(call())), (err: unknown) => err instanceof UpstreamError && /streaming unsupported/.test(err.message));
  });
});
