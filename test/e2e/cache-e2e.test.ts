// The cache through the real processes (gateway + consumers on Kafka, Redis Stack, the real MiniLM) with the
// `openai` client: miss → exact → semantic → near-misses, SSE from cache, team isolation, `helix replay cache` into
// an empty Redis serving the same entries, and Redis down → bypass without errors.
// No step polls with chat requests: a lookup that misses stores an exact entry, which would shadow the semantic
// entry being waited for. The test waits on the index itself (FT.SEARCH) and on the gateway's /health/ready.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { startPipeline, spawnHelix, waitFor, type HelixProcess, type Pipeline } from '../helpers/processes.ts';
import { parseSearchReply } from '../../core/cache/semantic-index.ts';
import { startRedis, type RedisInstance } from '../../stack/redis.ts';
import { freePort } from '../../stack/ports.ts';
import { repoRoot } from '../../lib/paths.ts';

const QUESTION = 'What is the capital of Australia?';
const PARAPHRASE = 'Hi! Could you please tell me what the capital of Australia is? Thanks!'; // similarity 0.90
const ENTITY_NEAR_MISS = 'What is the capital of Austria?';
const SLEEP = 'Give me 5 tips for better sleep.';
const NUMBER_NEAR_MISS = 'Give me 10 tips for better sleep.'; // similarity 0.96: only the verifier keeps it out

// Own prefix and index: the test Redis is shared, and the replay must honour a configured index.
const run = randomBytes(4).toString('hex');
const INDEX = `helix:semantic:index:${run}`;
const CONFIG = `model_list:
  - model_name: mock/echo
    litellm_params: { model: mock/echo }
helix_settings:
  semantic_cache:
    redis_prefix: "helix:cache:${run}:"
    redis_index: "${INDEX}"
    # Generous on a loaded 2-core test machine: a slow embedding or Redis reply must not turn into a miss/bypass.
    embed_timeout_ms: 15000
    redis_timeout_ms: 5000
`;

interface Entry {
  id: string;
  namespace: string;
  prompt: string;
}

async function indexEntries(redisUrl: string): Promise<Entry[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const reply = await redis.call('FT.SEARCH', INDEX, '*', 'RETURN', '2', '$.namespace', '$.prompt', 'LIMIT', '0', '1000', 'DIALECT', '2');
    return parseSearchReply(reply).docs.map(({ key, fields }) => ({ id: key.slice(key.lastIndexOf(':') + 1), namespace: fields['$.namespace']!, prompt: fields['$.prompt']! }));
  } finally {
    redis.disconnect();
  }
}

/** Waits until the cache-builder has indexed the entry; returns its id. */
const indexed = (redisUrl: string, namespace: string, prompt: string) =>
  waitFor(`${namespace} "${prompt}" indexed`, async () => (await indexEntries(redisUrl)).find((e) => e.namespace === namespace && e.prompt === prompt)?.id, 60_000, 200);

/** Waits until the gateway's embedding workers are up (before that a lookup is exact-only). */
const semanticReady = (url: string) =>
  waitFor('semantic cache ready', async () => {
    const body = (await (await fetch(`${url}/health/ready`)).json()) as { components: { cache?: { semantic: string } } };
    return body.components.cache?.semantic === 'ready';
  });

const client = (url: string, key: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, timeout: 30_000 });

async function chat(c: OpenAI, content: string, headers: Record<string, string> = {}) {
  const { data, response } = await c.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content }] }, { headers }).withResponse();
  const h = response.headers;
  return { text: data.choices[0]?.message.content, cache: h.get('x-helix-cache'), entry: h.get('x-helix-cache-entry'), similarity: Number(h.get('x-helix-cache-similarity')) };
}

async function stream(c: OpenAI, content: string) {
  const { data, response } = await c.chat.completions
    .create({ model: 'mock/echo', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  let chunks = 0;
  let usage = false;
  for await (const chunk of data) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? '';
    usage ||= Boolean(chunk.usage);
  }
  return { text, chunks, usage, cache: response.headers.get('x-helix-cache'), contentType: response.headers.get('content-type') ?? '' };
}

describe('cache end to end', () => {
  const redisUrl = process.env.HELIX_REDIS_URL!;
  let p: Pipeline;
  const keys: Record<string, string> = {};
  let redEntry = '';

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-cache-cfg-'));
    writeFileSync(join(dir, 'helix.yaml'), CONFIG);
    p = await startPipeline({ HELIX_CONFIG: join(dir, 'helix.yaml') });
    for (const team of ['red', 'blue']) {
      const res = await fetch(`${p.gatewayUrl}/key/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.env.HELIX_MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key_alias: `cache-${team}-${run}`, team_id: team }),
      });
      keys[team] = ((await res.json()) as { key: string }).key;
    }
    await semanticReady(p.gatewayUrl);
  });
  after(async () => {
    await p?.stop();
  });

  it('miss, exact, semantic for a paraphrase, miss for a changed entity or number; SSE from cache', async () => {
    const red = client(p.gatewayUrl, keys.red!);
    const first = await chat(red, QUESTION);
    assert.equal(first.cache, 'miss');
    assert.equal(first.text, QUESTION);
    assert.equal((await chat(red, QUESTION)).cache, 'exact');
    assert.equal((await chat(red, SLEEP)).cache, 'miss');

    redEntry = await indexed(redisUrl, 'team:red', QUESTION);
    const para = await chat(red, PARAPHRASE);
    assert.equal(para.cache, 'semantic');
    assert.equal(para.text, QUESTION, 'the cached answer of the original question');
    assert.equal(para.entry, redEntry);
    assert.ok(para.similarity >= 0.88, String(para.similarity));
    assert.equal((await chat(red, ENTITY_NEAR_MISS)).cache, 'miss', 'another entity is not a hit');

    await indexed(redisUrl, 'team:red', SLEEP);
    const number = await chat(red, NUMBER_NEAR_MISS);
    assert.equal(number.cache, 'miss', 'another number is not a hit, however similar');
    assert.equal(number.text, NUMBER_NEAR_MISS);

    for (const [content, kind] of [[QUESTION, 'exact'], [PARAPHRASE, 'semantic']] as const) {
      const s = await stream(red, content);
      assert.equal(s.cache, kind);
      assert.match(s.contentType, /text\/event-stream/);
      assert.equal(s.text, QUESTION);
      assert.ok(s.chunks > 3, 'replayed as a real stream, chunk by chunk');
      assert.ok(s.usage, 'with the usage chunk asked for');
    }
  });

  it("never serves one team another team's entries, and serves a team its own", async () => {
    const blue = client(p.gatewayUrl, keys.blue!);
    // Red holds an exact and a semantic entry for these; blue has none (no-store keeps it that way).
    assert.equal((await chat(blue, PARAPHRASE, { 'cache-control': 'no-store' })).cache, 'miss');
    assert.equal((await chat(blue, QUESTION)).cache, 'miss');
    const blueEntry = await indexed(redisUrl, 'team:blue', QUESTION);
    const para = await chat(blue, PARAPHRASE);
    assert.equal(para.cache, 'semantic', 'isolation keeps hits within a team reachable');
    assert.equal(para.entry, blueEntry);
    assert.notEqual(blueEntry, redEntry);
    assert.equal((await chat(client(p.gatewayUrl, keys.red!), PARAPHRASE)).entry, redEntry);
  });

  it('helix replay cache rebuilds the index into an empty Redis that serves the same hits; Redis down means bypass', async () => {
    // Entries made with the master key: a gateway on an empty Redis knows that key without the key store.
    const master = client(p.gatewayUrl, p.env.HELIX_MASTER_KEY!);
    assert.equal((await chat(master, QUESTION)).cache, 'miss');
    const masterEntry = await indexed(redisUrl, 'key:master', QUESTION);
    const original = await chat(master, PARAPHRASE);
    assert.equal(original.cache, 'semantic');
    assert.equal(original.entry, masterEntry);
    const before = (await indexEntries(redisUrl)).map((e) => e.id).sort();

    const dir = mkdtempSync(join(tmpdir(), 'helix-replay-'));
    let fresh: RedisInstance | undefined;
    let gw2: HelixProcess | undefined;
    try {
      fresh = await startRedis({ port: await freePort(), dataDir: dir });
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts'), 'replay', 'cache', '--redis', fresh.url], { cwd: repoRoot, env: { ...process.env, ...p.env } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      assert.equal(await new Promise((r) => child.once('exit', r)), 0, out);
      const replayed = /replayed (\d+) cache fills \((\d+) read/.exec(out);
      assert.ok(replayed && Number(replayed[1]) === before.length && Number(replayed[2]) === before.length, `${out} (index had ${before.length})`);
      assert.deepEqual((await indexEntries(fresh.url)).map((e) => e.id).sort(), before, 'the same entries, same ids');

      // A second gateway on the rebuilt Redis serves the same semantic hit (exact entries are not replayed).
      const port = await freePort();
      gw2 = spawnHelix('gateway/main.ts', { ...p.env, HELIX_PORT: String(port), HELIX_REDIS_URL: fresh.url }, 'gateway2', dir);
      const url = `http://127.0.0.1:${port}`;
      await waitFor('second gateway', async () => (await fetch(`${url}/health/live`)).ok);
      await semanticReady(url);
      const rebuilt = client(url, p.env.HELIX_MASTER_KEY!);
      const hit = await chat(rebuilt, PARAPHRASE);
      assert.equal(hit.cache, 'semantic', gw2.log().slice(-2000));
      assert.equal(hit.entry, masterEntry);
      assert.equal(hit.text, QUESTION);
      assert.equal(hit.similarity, original.similarity);

      await fresh.stop();
      for (const content of [QUESTION, PARAPHRASE, 'A question never asked before?']) {
        const down = await chat(rebuilt, content);
        assert.equal(down.cache, 'bypass');
        assert.equal(down.text, content, 'served by the provider');
      }
      const s = await stream(rebuilt, QUESTION);
      assert.equal(s.cache, 'bypass');
      assert.equal(s.text, QUESTION);
    } finally {
      await gw2?.stop();
      await fresh?.stop();
    }
  });
});
