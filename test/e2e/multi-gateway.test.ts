// Two gateway processes behind nginx over TLS (the compose's front, deploy/nginx/helix.conf.template) and two consumer
// processes sharing each consumer group, on one ClickHouse: a fixed request rate is spread over both gateways, every
// answered request lands in ClickHouse exactly once, and a stream passes through nginx event by event.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, fetch as undiciFetch } from 'undici';
import { startFleet, type Fleet } from '../../bench/fleet.ts';
import { openLoop } from '../../bench/open-loop.ts';
import { startFake, type FakeUpstream } from '../helpers/fake-upstreams.ts';
import { waitFor } from '../helpers/processes.ts';
import { writeConfig } from '../helpers/traffic.ts';

const MASTER = 'sk-helix-multi-gateway';
const RATE = 40;
const SECONDS = 5;

async function served(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^helix_requests_total(?:\{[^}]*\})? (\S+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('many gateways behind nginx (TLS), many consumers', () => {
  let dir: string;
  let upstream: FakeUpstream;
  let fleet: Fleet;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'helix-multi-gw-'));
    // The stream test's upstream holds its answer midway, so the test can see what got through nginx before the end.
    upstream = await startFake(() => ({ kind: 'json', status: 500, body: { error: { message: 'nothing queued', type: 'fake_error' } } }));
    const config = writeConfig(dir, {
      model_list: [
        { model_name: 'mock/echo', litellm_params: { model: 'mock/echo' } },
        { model_name: 'held', litellm_params: { model: 'openai/held', api_base: `${upstream.url}/v1`, api_key: 'sk-fake' } },
      ],
      helix_settings: { semantic_cache: { enabled: false } },
    });
    fleet = await startFleet({
      gateways: 2,
      consumers: 2,
      dir,
      nginxWorkers: 1,
      env: {
        HELIX_KAFKA_BROKERS: process.env.HELIX_KAFKA_BROKERS ?? '',
        HELIX_REDIS_URL: process.env.HELIX_REDIS_URL ?? '',
        HELIX_CONFIG: config,
        HELIX_MASTER_KEY: MASTER,
        HELIX_TOPIC_PREFIX: `t${randomBytes(4).toString('hex')}.`,
        HELIX_LOG_LEVEL: 'warn',
      },
    });
  });

  after(async () => {
    await fleet?.stop();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${RATE} req/s for ${SECONDS} s through nginx: both gateways serve, each answered request is one row in ClickHouse`, async () => {
    const before = await Promise.all(fleet.gateways.map((g) => served(g.url)));
    const answered: string[] = [];
    const result = await openLoop({
      url: `${fleet.url}/v1/chat/completions`,
      ca: fleet.ca,
      rate: RATE,
      seconds: SECONDS,
      connections: 8,
      maxInFlight: RATE * SECONDS,
      headers: (i) => ({ authorization: `Bearer ${MASTER}`, 'content-type': 'application/json', 'x-request-id': `mg-${i}` }),
      body: (i) => JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: `request ${i}` }] }),
      onAnswer: (i, status) => {
        if (status === 200) answered.push(`mg-${i}`);
      },
    });
    assert.deepEqual({ ok: result.ok, non2xx: result.non2xx, errors: result.errors, skipped: result.skipped }, { ok: RATE * SECONDS, non2xx: 0, errors: 0, skipped: 0 });

    const perGateway = (await Promise.all(fleet.gateways.map((g) => served(g.url)))).map((n, i) => n - before[i]!);
    assert.equal(perGateway[0]! + perGateway[1]!, result.ok, `served per gateway: ${perGateway.join(', ')}`);
    assert.ok(perGateway.every((n) => n >= result.ok / 4), `both gateways served a share: ${perGateway.join(', ')}`);

    const rows = await waitFor(
      'every answered request in ClickHouse',
      async () => {
        const found = await fleet.clickhouse.query<{ table: string; request_id: string; n: string }>(
          `SELECT 'requests' AS table, request_id, count() AS n FROM helix.requests WHERE startsWith(request_id, 'mg-') GROUP BY request_id
           UNION ALL SELECT 'responses' AS table, request_id, count() AS n FROM helix.responses WHERE startsWith(request_id, 'mg-') GROUP BY request_id`,
        );
        return found.length >= 2 * answered.length ? found : undefined;
      },
      60_000,
      500,
    );
    for (const table of ['requests', 'responses']) {
      const counts = new Map(rows.filter((r) => r.table === table).map((r) => [r.request_id, Number(r.n)]));
      assert.deepEqual([...counts.keys()].sort(), [...answered].sort(), `${table}: a row for each answered request and no other`);
      assert.deepEqual([...counts].filter(([, n]) => n !== 1), [], `${table}: exactly one row each`);
    }
  });

  it('a stream passes through nginx event by event, not buffered until the end', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const base = { id: 'chatcmpl-held', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'held' };
    const chunk = (delta: object, finish: string | null = null) => ({ data: { ...base, choices: [{ index: 0, delta, finish_reason: finish }] } });
    upstream.enqueue({
      kind: 'sse',
      events: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello' }), chunk({ content: ' through nginx' }), chunk({}, 'stop'), { data: '[DONE]' }],
      hold: { afterEvents: 2, until: held },
    });
    const dispatcher = new Agent({ connect: { ca: fleet.ca } });
    // A buffering front sends nothing (not even the response head) while the upstream holds the stream.
    const signal = AbortSignal.timeout(20_000);
    try {
      const res = await undiciFetch(`${fleet.url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher,
        signal,
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'held', stream: true, messages: [{ role: 'user', content: 'stream please' }] }),
      }).catch((err: Error) => {
        throw new Error(`no response through nginx while the upstream holds the stream: ${err.message}`);
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const readUntil = async (done: () => boolean, what: string) => {
        while (!done()) {
          const next = await reader.read().catch((err: Error) => {
            throw new Error(`${what}: ${err.message}; got so far: ${text}`);
          });
          if (next.done) break;
          text += decoder.decode(next.value, { stream: true });
        }
      };
      // While the upstream still holds the rest, the first content event has already reached the client.
      await readUntil(() => text.includes('"Hello"'), 'the first events through nginx while the upstream holds the rest');
      assert.ok(!text.includes('through nginx'), 'nothing past the hold yet');
      release();
      await readUntil(() => false, 'the rest of the stream');
      const contents = text
        .split('\n\n')
        .filter((e) => e.startsWith('data: {'))
        .map((e) => (JSON.parse(e.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '')
        .join('');
      assert.equal(contents, 'Hello through nginx');
      assert.ok(text.trimEnd().endsWith('data: [DONE]'), `ends with [DONE]: ${text.slice(-80)}`);
    } finally {
      release();
      await dispatcher.close();
    }
  });
});
