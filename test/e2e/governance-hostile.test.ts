// Governance as a hostile LiteLLM user drives it, through a real gateway + consumers on Redis Stack, Kafka and
// ClickHouse: ids with RediSearch syntax (`*`, `{`, `}`, `:`, spaces) stay exact matches (deleting team `ab*` never
// takes team `abc`'s keys); a budget period too long to be a date is a 400, not a 500 and a stored record; concurrent
// /customer/block of one new end user all succeed; tag names a request could never carry are refused; concurrent
// requests never overspend a team budget and /team/info, /key/info report that spend; hostile `user` and tag values
// are 400s in the endpoint's shape.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startPipeline, waitFor, type Pipeline } from '../helpers/processes.ts';

const MASTER = 'sk-helix-test-master';
const RUN = randomBytes(4).toString('hex');
const PREFIX = `test-govh-${RUN}:`;
const YAML = `
model_list:
  - model_name: mock/fixed
    litellm_params: { model: mock/fixed, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, mock_latency_ms: 20 }
helix_settings:
  auth: { redis_prefix: "${PREFIX}auth:" }
  limits: { redis_prefix: "${PREFIX}rl:" }
  budgets: { redis_prefix: "${PREFIX}budget:", redis_timeout_ms: 2000 }
  semantic_cache: { semantic_enabled: false }
`;

interface Answer {
  status: number;
  json: Record<string, unknown> & { error?: { message: string; type: string; param: string | null } };
}

void describe('governance under hostile use', { timeout: 240_000 }, () => {
  let p: Pipeline;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-govh-'));
    writeFileSync(join(dir, 'config.yaml'), YAML);
    p = await startPipeline({ HELIX_CONFIG: join(dir, 'config.yaml'), HELIX_MASTER_KEY: MASTER });
  });
  after(async () => {
    await p.stop();
    const redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
    const left = await redis.keys(`${PREFIX}*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
  });

  async function call(method: 'GET' | 'POST', path: string, body?: unknown, key = MASTER, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${p.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'cache-control': 'no-store', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, json: (await res.json()) as Answer['json'] };
  }
  const chat = (extra: Record<string, unknown>, key = MASTER, headers: Record<string, string> = {}) =>
    call('POST', '/v1/chat/completions', { model: 'mock/fixed', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, ...extra }, key, headers);
  const keyOf = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/key/generate', body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json.key as string;
  };

  void it('team ids with search syntax match exactly: info lists only their keys, delete takes only their keys', async () => {
    for (const id of [`abc-${RUN}`, `ab*`, `t{a}:b c* d-${RUN}`]) assert.equal((await call('POST', '/team/new', { team_id: id })).status, 200);
    const other = await keyOf({ team_id: `abc-${RUN}` });
    const own = await keyOf({ team_id: `t{a}:b c* d-${RUN}` });

    const info = await call('GET', `/team/info?team_id=${encodeURIComponent(`t{a}:b c* d-${RUN}`)}`);
    assert.equal(info.status, 200, JSON.stringify(info.json));
    assert.equal((info.json.keys as unknown[]).length, 1);
    assert.equal(((await call('GET', '/team/info?team_id=ab*')).json.keys as unknown[]).length, 0);

    const deleted = await call('POST', '/team/delete', { team_ids: ['ab*'] });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.json.deleted_keys, 0);
    assert.equal((await chat({}, other)).status, 200, "another team's key survives");
    assert.equal((await call('POST', '/team/delete', { team_ids: [`t{a}:b c* d-${RUN}`] })).json.deleted_keys, 1);
    assert.equal((await chat({}, own)).status, 401);
    assert.equal((await call('POST', '/team/new', { team_id: 'a|b' })).json.error?.param, 'team_id', 'keys cannot carry "|"');
  });

  void it('a budget period too long to end on a date is a 400 naming budget_duration, and nothing is stored', async () => {
    for (const [path, body] of [
      ['/team/new', { team_id: `long-${RUN}` }],
      ['/customer/new', { user_id: `long-${RUN}` }],
      ['/tag/new', { name: `long-${RUN}` }],
    ] as const) {
      const res = await call('POST', path, { ...body, max_budget: 1, budget_duration: '99999999999999d' });
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.error?.param, 'budget_duration');
      assert.equal((await call('POST', path, { ...body, max_budget: 1, budget_duration: '100000000mo' })).status, 400);
    }
    assert.equal((await call('GET', `/team/info?team_id=long-${RUN}`)).status, 404);
    assert.equal((await call('POST', '/team/new', { team_id: `long-${RUN}`, budget_duration: '30d' })).status, 200);
    assert.equal((await call('POST', '/team/update', { team_id: `long-${RUN}`, budget_duration: '99999999999999d' })).status, 400);
    assert.equal((await call('GET', `/team/info?team_id=long-${RUN}`)).status, 200);
    // Keys take the same periods: refused when set, not when a request meets them.
    for (const budget_duration of ['99999999999999d', '100000000mo', 'fortnightly']) {
      const res = await call('POST', '/key/generate', { max_budget: 1, budget_duration });
      assert.equal(res.status, 400, `${budget_duration}: ${JSON.stringify(res.json)}`);
      assert.match(String(res.json.error?.message), /budget_duration/);
    }
  });

  void it('concurrent /customer/block of one new end user all succeed, and its requests are refused', async () => {
    const id = `blk-${RUN}`;
    // Open the client's 20 connections first, so the blocks reach the gateway together.
    await Promise.all(Array.from({ length: 20 }, () => call('GET', '/customer/list?page_size=1')));
    const answers = await Promise.all(Array.from({ length: 20 }, () => call('POST', '/customer/block', { user_ids: [id] })));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200), JSON.stringify(answers.find((a) => a.status !== 200)?.json));
    const refused = await chat({ user: id });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error!.message, /User blocked/);
    assert.equal((await call('POST', '/customer/unblock', { user_ids: [id] })).status, 200);
    await waitFor('unblocked', async () => (await chat({ user: id })).status === 200, 10_000);
  });

  void it('tag and customer names no request can carry are refused', async () => {
    for (const name of ['x'.repeat(65), ' padded', 'nel\u0085']) {
      const res = await call('POST', '/tag/new', { name, max_budget: 1 });
      assert.equal(res.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.error?.param, 'name');
    }
    assert.equal((await call('POST', '/customer/new', { user_id: 'nel\u0085' })).status, 400);
    assert.equal((await call('POST', '/tag/new', { name: 'x'.repeat(64) })).status, 200);
  });

  void it('concurrent requests never overspend a team budget; /team/info and /key/info report the spend', async () => {
    const team = `budget-${RUN}`;
    // One answer costs 8 × $0.000001 + 8 × $0.000002 = $0.000024 (max_tokens 10 reserves $0.000028): room for 2.
    const budget = 0.00006;
    assert.equal((await call('POST', '/team/new', { team_id: team, max_budget: budget, budget_duration: '1d' })).status, 200);
    const key = await keyOf({ team_id: team });
    const answers = await Promise.all(Array.from({ length: 40 }, () => chat({}, key)));
    const served = answers.filter((a) => a.status === 200).length;
    assert.ok(served >= 1 && served <= 2, `served ${served}`);
    for (const a of answers.filter((x) => x.status !== 200)) assert.equal(a.status, 429);
    const teamSpend = await waitFor('team spend in the ledger', async () => {
      const s = (await call('GET', `/team/info?team_id=${team}`)).json.team_info as { spend: number | null };
      return s.spend !== null && s.spend > 0 ? s.spend : undefined;
    }, 30_000);
    assert.ok(teamSpend <= budget, `spent ${teamSpend} of ${budget}`);
    const info = (await call('GET', `/key/info?key=${key}`)).json.info as { spend: number; team_id: string };
    assert.equal(info.team_id, team);
    assert.ok(Math.abs(info.spend - teamSpend) < 1e-9, `key ${info.spend} vs team ${teamSpend}`);
  });

  void it('hostile end users and tags are 400s naming the field, in OpenAI and Anthropic shapes', async () => {
    for (const user of [5, { a: 1 }, 'x'.repeat(300), 'a\u0000b']) {
      const res = await chat({ user });
      assert.equal(res.status, 400, JSON.stringify(user));
      assert.equal(res.json.error?.type, 'invalid_request_error');
    }
    const tooMany = await chat({ metadata: { tags: Array.from({ length: 20 }, (_, i) => `b${i}`) } }, MASTER, { 'x-litellm-tags': Array.from({ length: 20 }, (_, i) => `h${i}`).join(',') });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.json.error?.param, 'x-litellm-tags');
    const anthropic = await call('POST', '/v1/messages', { model: 'mock/fixed', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: 7 } });
    assert.equal(anthropic.status, 400);
    assert.equal(anthropic.json.type, 'error');
  });
});
