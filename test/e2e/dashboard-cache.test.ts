// The dashboard's Cache page in a real headless Chromium against a real gateway and consumers (Redis Stack, Kafka,
// ClickHouse, the real MiniLM): a repeated prompt gives exact hits, a paraphrase a semantic hit, and the page's hit
// counts, tokens and dollars saved and the similarity bins equal what `helix sql` reads. Saves docs/screenshots/cache.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { openDashboard, type Dashboard } from '../helpers/dashboard.ts';
import { helixSql, waitFor } from '../helpers/processes.ts';
import { parseSearchReply } from '../../core/cache/semantic-index.ts';
import { count, usd } from '../../ui/src/format.ts';

const QUESTION = 'What is the capital of Australia?';
const PARAPHRASE = 'Hi! Could you please tell me what the capital of Australia is? Thanks!';
// Own prefix and index: the test Redis is shared with other runs.
const run = randomBytes(4).toString('hex');
const INDEX = `helix:semantic:index:${run}`;

/** One chat completion; returns the cache's verdict and the similarity it reported. */
async function ask(gatewayUrl: string, apiKey: string, content: string): Promise<{ cache: string | null; similarity: number }> {
  const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content }] }),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 200);
  return { cache: res.headers.get('x-helix-cache'), similarity: Number(res.headers.get('x-helix-cache-similarity')) };
}

/** Whether the cache-builder has indexed this prompt in this namespace (a lookup before that is exact-only). */
async function isIndexed(redisUrl: string, namespace: string, prompt: string): Promise<boolean> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const reply = await redis.call('FT.SEARCH', INDEX, '*', 'RETURN', '2', '$.namespace', '$.prompt', 'LIMIT', '0', '1000', 'DIALECT', '2');
    return parseSearchReply(reply).docs.some(({ fields }) => fields['$.namespace'] === namespace && fields['$.prompt'] === prompt);
  } catch {
    return false; // the index is made with the first entry
  } finally {
    redis.disconnect();
  }
}

const text = async (d: Dashboard, testId: string) => (await d.page.textContent(`[data-testid=cache] [data-testid=${testId}]`)) ?? '';

void describe('the Cache page in a browser', () => {
  let d: Dashboard;
  let semanticSimilarity = 0;

  before(async () => {
    d = await openDashboard({
      helixSettings: {
        // Generous on a loaded test machine: a slow embedding or Redis reply must not turn into a miss or a bypass.
        semantic_cache: { redis_prefix: `helix:cache:${run}:`, redis_index: INDEX, embed_timeout_ms: 15_000, redis_timeout_ms: 5_000 },
      },
    });
    const gw = d.p.gatewayUrl;
    const alpha = d.keys[0]!;
    // In sequence: a miss that stores the entry, then two exact hits.
    assert.equal((await ask(gw, alpha.key, QUESTION)).cache, 'miss');
    assert.equal((await ask(gw, alpha.key, QUESTION)).cache, 'exact');
    assert.equal((await ask(gw, alpha.key, QUESTION)).cache, 'exact');
    await waitFor('semantic cache ready', async () => {
      const body = (await (await fetch(`${gw}/health/ready`)).json()) as { components: { cache?: { semantic: string } } };
      return body.components.cache?.semantic === 'ready';
    });
    await waitFor('the entry indexed', () => isIndexed(process.env.HELIX_REDIS_URL!, `team:${alpha.teamId}`, QUESTION), 60_000, 200);
    const para = await ask(gw, alpha.key, PARAPHRASE);
    assert.equal(para.cache, 'semantic');
    semanticSimilarity = para.similarity;
    const total = d.sent + 4;
    await waitFor('the cache traffic in ClickHouse', async () => {
      const [row] = await helixSql<{ n: string; s: string; c: string }>(
        d.p.env,
        'SELECT (SELECT sum(requests) FROM helix.v_usage_1m) AS n, (SELECT sum(semantic_hits) FROM helix.v_cache_1m) AS s, (SELECT sum(cache_hits) FROM helix.v_spend_1m) AS c',
      );
      return Number(row?.n) === total && Number(row?.s) >= 1 && Number(row?.c) >= 3;
    }, 60_000, 500);
  });

  after(async () => {
    await d?.close();
  });

  void it("shows exact and semantic hits, tokens and dollars saved and the similarity bins as helix sql reads them", async () => {
    await d.signIn();
    await d.page.waitForSelector('[data-testid=overview]');
    await d.open('cache');

    const [c] = await helixSql<{ exact: string; semantic: string; tokens: string; requests: string }>(
      d.p.env,
      `SELECT sum(exact_hits) AS exact, sum(semantic_hits) AS semantic, sum(saved_tokens) AS tokens,
        (SELECT sum(requests) FROM helix.v_usage_1m WHERE minute >= now() - INTERVAL 1 DAY) AS requests
       FROM helix.v_cache_1m WHERE minute >= now() - INTERVAL 1 DAY`,
    );
    const [s] = await helixSql<{ saved: string }>(d.p.env, 'SELECT sum(cache_saved_usd) AS saved FROM helix.v_spend_1m WHERE minute >= now() - INTERVAL 1 DAY');
    const sims = await helixSql<{ similarity: number }>(d.p.env, "SELECT similarity FROM helix.cache_events WHERE hit = 'semantic' ORDER BY similarity");
    const exact = Number(c?.exact);
    const semantic = Number(c?.semantic);
    const saved = Number(s?.saved);
    assert.ok(exact >= 2, `exact hits ${exact}`);
    assert.equal(semantic, 1);
    assert.ok(saved > 0, 'cache hits of priced models saved dollars');
    assert.equal(sims.length, 1);
    assert.ok(Math.abs(sims[0]!.similarity - semanticSimilarity) < 1e-6, 'the event holds the similarity the response reported');

    await waitFor('the Cache page numbers', async () => (await text(d, 'stat-exact-hits')) === count(exact) && (await text(d, 'stat-semantic-hits')) === count(semantic), 20_000);
    assert.equal(await text(d, 'stat-cache-requests'), count(Number(c?.requests)));
    assert.equal(await text(d, 'stat-saved-tokens'), count(Number(c?.tokens)));
    assert.equal(await text(d, 'stat-saved-usd'), usd(saved));
    const pct = (n: number) => `${(n * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
    assert.equal(await text(d, 'stat-hit-rate'), `${pct(exact / Number(c?.requests))} / ${pct(semantic / Number(c?.requests))}`);
    const bin = Math.floor(Math.round(semanticSimilarity * 1e6) / 1e4) / 100;
    assert.equal(await text(d, 'chart-similarity-bins'), `${bin.toFixed(2)}: 1`);

    for (const chart of ['chart-hit-rate', 'chart-hits', 'chart-saved-usd', 'chart-saved-tokens', 'chart-similarity']) {
      assert.equal(await d.page.locator(`[data-testid=${chart}] canvas`).count(), 1, chart);
    }
    // Another range reloads the page's data without errors.
    await d.page.click('[data-testid=cache] .range button:text("7d")');
    await waitFor('the 7d range', async () => (await text(d, 'stat-semantic-hits')) === count(semantic), 10_000);
    await d.page.click('[data-testid=cache] .range button:text("24h")');
    await d.page.waitForTimeout(500);
    assert.deepEqual(d.consoleErrors, [], 'the page loaded and refreshed without console errors');
    await d.screenshot('cache');
  });
});
