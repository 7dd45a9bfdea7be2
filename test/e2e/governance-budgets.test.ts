// Budgets, limits and access of teams, customers (end users: the request's `user` field) and tags, through the real
// stack: records created in the entity store, 200 concurrent requests against a team budget (two gateways sharing
// it), a customer budget and a tag budget (tags by header and by metadata) — never over the limit, refused with a
// 429 naming the scope, the spend in the ledger (Redis counters and ClickHouse ledger_entries with end_user and
// tags), budget alerts for customer and tag scopes; LiteLLM's max_end_user_budget for end users without a record;
// a customer's RPM limit shared by both gateways; a team's allowed models; a blocked customer (unblocked without a
// restart); hostile end users and tags refused with 400 in OpenAI's and Anthropic's shapes; and the tags never reach
// the provider.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePorts } from '../../stack/ports.ts';
import { countTokens } from '../../lib/tokens.ts';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import { nanoFromDecimal } from '../../core/money.ts';
import { FIXED_REPLY } from '../../gateway/providers/mock/adapter.ts';
import { BudgetKeys } from '../../core/budgets/store.ts';
import { DAILY, LIFETIME, periodAt } from '../../core/budgets/periods.ts';
import { GovernanceStore } from '../../core/governance/store.ts';
import { helixSql, spawnHelix, startPipeline, waitFor, type HelixProcess, type Pipeline } from '../helpers/processes.ts';
import { startFakeAnthropic, startFakeOpenAI, type FakeUpstream } from '../helpers/fake-upstreams.ts';
import { testGateway, type TestGateway } from '../helpers/app.ts';

const MASTER = 'sk-helix-test-master';
const RUN = randomBytes(4).toString('hex');
const PREFIX = `test-gov-${RUN}:`;
const MESSAGES = [{ role: 'user' as const, content: 'ping' }];
const OUT = countTokens(FIXED_REPLY);
// max_tokens = the reply's length, so the reserved worst case equals the actual cost: a budget of N × COST covers exactly N.
const COST_NANO = countChatPromptTokens(MESSAGES) * 1000 + OUT * 2000;
const N = 20;
const CONCURRENT = 200;
/** LiteLLM's max_end_user_budget: every end user without a record may spend this much (lifetime). */
const DEFAULT_END_USER_N = 3;
const usd = (n: number) => (n * COST_NANO) / 1e9;

const YAML = `
model_list:
  - model_name: mock/fixed
    litellm_params: { model: mock/fixed, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, mock_latency_ms: 20 }
  - model_name: mock/echo
    litellm_params: { model: mock/echo, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
litellm_settings:
  max_end_user_budget: ${usd(DEFAULT_END_USER_N)}
helix_settings:
  auth: { redis_prefix: "${PREFIX}auth:" }
  limits: { redis_prefix: "${PREFIX}rl:" }
  budgets: { redis_prefix: "${PREFIX}budget:", redis_timeout_ms: 2000 }
  semantic_cache: { semantic_enabled: false }
`;

interface Call {
  url?: string;
  key?: string;
  model?: string;
  user?: string;
  tagsHeader?: string;
  metadata?: Record<string, unknown>;
  stream?: boolean;
}

interface Answer {
  status: number;
  text: string;
  url: string;
  stream: boolean;
}

void describe('governance: budgets, limits and access of teams, customers and tags', () => {
  let pipeline: Pipeline;
  let second: HelixProcess;
  let secondUrl: string;
  let redis: Redis;
  let store: GovernanceStore;
  const budgetKeys = new BudgetKeys(`${PREFIX}budget:`);

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-governance-'));
    writeFileSync(join(dir, 'config.yaml'), YAML);
    pipeline = await startPipeline({ HELIX_CONFIG: join(dir, 'config.yaml'), HELIX_MASTER_KEY: MASTER });
    const [port, queryPort] = await freePorts(2);
    secondUrl = `http://127.0.0.1:${port}`;
    second = spawnHelix('gateway/main.ts', { ...pipeline.env, HELIX_PORT: String(port), HELIX_QUERY_PORT: String(queryPort), HELIX_DATA_DIR: join(dir, 'gw-b') }, 'gateway-b', dir);
    await waitFor('second gateway', async () => (await fetch(`${secondUrl}/health/live`)).ok, 60_000);
    redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
    store = GovernanceStore.open(process.env.HELIX_REDIS_URL!, { prefix: `${PREFIX}auth:` });
    // Warm both gateways up (tokenizer, connections) with no budget in the way.
    for (const url of [pipeline.gatewayUrl, secondUrl]) assert.equal((await chat({ url })).status, 200);
  });
  after(async () => {
    const left = await redis.keys(`${PREFIX}*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
    await store.close();
    await Promise.all([second.stop(), pipeline.stop()]);
  });

  async function chat(c: Call): Promise<Answer> {
    const url = c.url ?? pipeline.gatewayUrl;
    const stream = c.stream ?? false;
    const headers: Record<string, string> = { authorization: `Bearer ${c.key ?? MASTER}`, 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (c.tagsHeader !== undefined) headers['x-helix-tags'] = c.tagsHeader;
    const body = { model: c.model ?? 'mock/fixed', messages: MESSAGES, max_tokens: OUT, stream, ...(c.user !== undefined ? { user: c.user } : {}), ...(c.metadata ? { metadata: c.metadata } : {}) };
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text(), url, stream };
  }

  const errorOf = (a: Answer) => (JSON.parse(a.text) as { error: { message: string; type: string; code: string; param: string | null } }).error;

  async function keyOfTeam(teamId: string): Promise<string> {
    const res = await fetch(`${pipeline.gatewayUrl}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ team_id: teamId }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { key: string }).key;
  }

  /** `CONCURRENT` requests at once (alternating stream and not, and across `urls`): exactly N served, the rest refused naming `label`. */
  async function burst(label: string, call: (i: number) => Call, urls = [pipeline.gatewayUrl]): Promise<{ ok: Answer[]; refused: Answer[] }> {
    const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => chat({ url: urls[i % urls.length], stream: Math.floor(i / urls.length) % 2 === 1, ...call(i) })));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(ok.length + refused.length, CONCURRENT, `statuses: ${[...new Set(results.map((r) => `${r.status} ${r.text.slice(0, 200)}`))].join(' | ')}`);
    assert.ok(ok.length <= N, `${ok.length} served: over the budget`);
    assert.equal(ok.length, N, 'the budget covers exactly N: all of them are served');
    assert.ok(ok.some((r) => r.stream) && ok.some((r) => !r.stream));
    for (const r of refused) {
      const e = errorOf(r);
      assert.equal(e.code, 'budget_exceeded');
      assert.ok(e.message.startsWith(`Budget exceeded for ${label}:`), e.message);
    }
    return { ok, refused };
  }

  /** Waits until the ledger booked the scope's spend (nothing held or pending) and returns its counter. */
  async function bookedSpend(scope: string, spec = DAILY): Promise<number> {
    const counter = budgetKeys.spend(scope, periodAt(spec, Date.now()).id);
    await waitFor(`the ledger to book ${scope}`, async () => Number((await redis.get(budgetKeys.held(scope))) ?? 0) === 0 && Number((await redis.get(counter)) ?? 0) > 0, 60_000, 200);
    return Number(await redis.get(counter));
  }

  /** ClickHouse ledger entries matching `where`, once `count` of them landed: their number and total cost. */
  async function ledgerRows(where: string, count: number): Promise<{ n: number; nano: number }> {
    await waitFor(`${count} ledger entries where ${where}`, async () => Number((await helixSql<{ n: number }>(pipeline.env, `SELECT count() AS n FROM helix.ledger_entries FINAL WHERE ${where}`))[0]?.n) === count, 60_000, 500);
    const [row] = await helixSql<{ n: number; cost: string }>(pipeline.env, `SELECT count() AS n, toString(sum(cost_usd)) AS cost FROM helix.ledger_entries FINAL WHERE ${where}`);
    return { n: Number(row?.n), nano: nanoFromDecimal(row?.cost ?? '0') };
  }

  async function alertsOf(scope: string, count: number): Promise<Array<{ scope_kind: string; threshold: number; severity: string }>> {
    const sql = `SELECT scope_kind, threshold, severity FROM helix.budget_alerts FINAL WHERE scope = '${scope}' ORDER BY threshold`;
    return waitFor(`${count} budget alerts of ${scope}`, async () => {
      const rows = await helixSql<{ scope_kind: string; threshold: number; severity: string }>(pipeline.env, sql);
      return rows.length === count ? rows : undefined;
    }, 60_000, 500);
  }

  void it(`two gateways, two keys of one team: at most ${N} of ${CONCURRENT} concurrent requests within the team's budget`, async () => {
    const team = `team-${RUN}`;
    await store.create('team', team, { max_budget: usd(N), budget_duration: '1d' });
    const keys = [await keyOfTeam(team), await keyOfTeam(team)];
    // Each gateway verifies both keys once (a listing spends nothing), so the burst measures the budget, not key lookups.
    for (const url of [pipeline.gatewayUrl, secondUrl]) for (const key of keys) assert.equal((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
    const { refused } = await burst(`team ${team}`, (i) => ({ key: keys[i % 4 < 2 ? 0 : 1] }), [pipeline.gatewayUrl, secondUrl]);
    assert.equal(new Set(refused.map((r) => r.url)).size, 2, 'both gateways enforce the shared team budget');
    const spend = await bookedSpend(`team:${team}`);
    assert.equal(spend, N * COST_NANO);
    const rows = await ledgerRows(`team_id = '${team}'`, N);
    assert.equal(rows.nano, spend);
  });

  void it(`a customer (the request's user field) with a budget: at most ${N} of ${CONCURRENT}; its spend, rows and alerts carry the end user`, async () => {
    const customer = `cust-${RUN}`;
    await store.create('customer', customer, { max_budget: usd(N), budget_duration: '1d' });
    await burst(`customer ${customer}`, () => ({ user: customer }));
    const spend = await bookedSpend(`customer:${customer}`);
    assert.equal(spend, N * COST_NANO);
    const rows = await ledgerRows(`end_user = '${customer}'`, N);
    assert.equal(rows.nano, spend);
    const [resp] = await helixSql<{ n: number; ok: number }>(pipeline.env, `SELECT count() AS n, countIf(status = 'ok') AS ok FROM helix.responses FINAL WHERE end_user = '${customer}'`);
    assert.equal(Number(resp?.n), CONCURRENT, 'every response and error row names the end user');
    assert.equal(Number(resp?.ok), N);
    const [req] = await helixSql<{ n: number }>(pipeline.env, `SELECT count() AS n FROM helix.requests FINAL WHERE end_user = '${customer}'`);
    assert.equal(Number(req?.n), CONCURRENT);
    const alerts = await alertsOf(`customer:${customer}`, 3);
    assert.deepEqual(alerts.map((a) => [a.scope_kind, Number(a.threshold), a.severity]), [['customer', 0.5, 'warning'], ['customer', 0.8, 'warning'], ['customer', 1, 'exceeded']]);
  });

  void it(`a tag, given by header or in metadata.tags: at most ${N} of ${CONCURRENT}; ledger entries and rows carry the tags`, async () => {
    const tag = `prod-${RUN}`;
    const other = `batch-${RUN}`;
    await store.create('tag', tag, { max_budget: usd(N), budget_duration: '1d' });
    await burst(`tag ${tag}`, (i) => (i % 3 === 0 ? { tagsHeader: `${tag}, ${other}` } : { metadata: { tags: [other, tag, tag] } }));
    assert.equal(await bookedSpend(`tag:${tag}`), N * COST_NANO);
    assert.equal(await bookedSpend(`tag:${other}`), N * COST_NANO, 'a tag without a record still has its spend counted');
    const rows = await ledgerRows(`has(tags, '${tag}') AND has(tags, '${other}') AND length(tags) = 2`, N);
    assert.equal(rows.nano, N * COST_NANO);
    const [v] = await helixSql<{ n: number }>(pipeline.env, `SELECT count() AS n FROM helix.v_requests WHERE has(tags, '${tag}')`);
    assert.equal(Number(v?.n), CONCURRENT, 'v_requests shows the tags');
    const alerts = await alertsOf(`tag:${tag}`, 3);
    assert.ok(alerts.every((a) => a.scope_kind === 'tag'));
  });

  void it("an end user without a record gets LiteLLM's max_end_user_budget (lifetime)", async () => {
    const nobody = `anon-${RUN}`;
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < DEFAULT_END_USER_N + 2; i++) {
      last = await chat({ user: nobody });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [...Array<number>(DEFAULT_END_USER_N).fill(200), 429, 429]);
    assert.match(errorOf(last!).message, new RegExp(`^Budget exceeded for customer ${nobody}: .* \\(lifetime\\)`));
    assert.equal(await bookedSpend(`customer:${nobody}`, LIFETIME), DEFAULT_END_USER_N * COST_NANO);
  });

  void it("a customer's RPM limit holds across both gateways", async () => {
    const customer = `rpm-${RUN}`;
    await store.create('customer', customer, { rpm_limit: 2 });
    const answers = [];
    for (const url of [pipeline.gatewayUrl, secondUrl, pipeline.gatewayUrl]) answers.push(await chat({ url, user: customer, model: 'mock/echo' }));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 429]);
    const e = errorOf(answers[2]!);
    assert.equal(e.code, 'rate_limit_exceeded');
    assert.match(e.message, new RegExp(`^Rate limit reached for customer ${customer} on requests per minute`));
  });

  void it("a team's allowed models restrict its keys (403)", async () => {
    const team = `models-${RUN}`;
    await store.create('team', team, { models: ['mock/echo'] });
    const key = await keyOfTeam(team);
    const refused = await chat({ key, model: 'mock/fixed' });
    assert.equal(refused.status, 403);
    const e = errorOf(refused);
    assert.equal(e.code, 'model_not_allowed');
    assert.equal(e.type, 'permission_error');
    assert.match(e.message, new RegExp(`team ${team} is not allowed to use model "mock/fixed"`));
    assert.equal((await chat({ key, model: 'mock/echo' })).status, 200);
    // …and GET /v1/models lists only what the team allows.
    const listed = (await (await fetch(`${pipeline.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(listed.data.map((m) => m.id), ['mock/echo']);
  });

  void it("a blocked customer gets LiteLLM's 400 on both gateways, and is served again once unblocked (no restart)", async () => {
    const customer = `blocked-${RUN}`;
    await store.create('customer', customer, { blocked: true });
    for (const url of [pipeline.gatewayUrl, secondUrl]) {
      const a = await chat({ url, user: customer, model: 'mock/echo' });
      assert.equal(a.status, 400);
      assert.deepEqual(errorOf(a), { message: `User blocked from making LLM API Calls. User=${customer}`, type: 'invalid_request_error', param: null, code: 'invalid_request' });
    }
    const res = await fetch(`${pipeline.gatewayUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'mock/echo', max_tokens: 16, messages: MESSAGES, metadata: { user_id: customer } }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { type: 'error', error: { type: 'invalid_request_error', message: `User blocked from making LLM API Calls. User=${customer}` } });
    await store.update('customer', customer, { blocked: false });
    // The change is announced: both gateways drop their copy at once (well within the cache's few seconds).
    for (const url of [pipeline.gatewayUrl, secondUrl]) await waitFor('the unblocked customer to be served', async () => (await chat({ url, user: customer, model: 'mock/echo' })).status === 200, 2_000, 50);
  });

  void it('refuses hostile end users and tags with 400 in the endpoint’s shape', async () => {
    const openai = async (c: Call, param: string) => {
      const a = await chat({ model: 'mock/echo', ...c });
      assert.equal(a.status, 400, a.text);
      const e = errorOf(a);
      assert.equal(e.type, 'invalid_request_error');
      assert.equal(e.param, param);
    };
    await openai({ user: 'x'.repeat(257) }, 'user');
    await openai({ user: 'evil\u0007user' }, 'user');
    await openai({ metadata: { tags: ['t'.repeat(65)] } }, 'metadata.tags');
    await openai({ metadata: { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) } }, 'metadata.tags');
    await openai({ metadata: { tags: 7 } }, 'metadata.tags');
    await openai({ tagsHeader: Array.from({ length: 33 }, (_, i) => `h${i}`).join(',') }, 'x-helix-tags');
    const anthropic = async (metadata: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const res = await fetch(`${pipeline.gatewayUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': MASTER, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
        body: JSON.stringify({ model: 'mock/echo', max_tokens: 16, messages: MESSAGES, metadata }),
      });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'invalid_request_error');
      return body.error.message;
    };
    assert.match(await anthropic({ user_id: 'a\u0000b' }), /metadata\.user_id/);
    assert.match(await anthropic({ tags: ['x'.repeat(100)] }), /metadata\.tags/);
    assert.match(await anthropic({}, { 'x-litellm-tags': Array.from({ length: 40 }, (_, i) => `l${i}`).join(',') }), /x-litellm-tags/);
    // The gateway is fine after all of it.
    assert.equal((await chat({ model: 'mock/echo', user: 'fine', metadata: { tags: ['ok'] } })).status, 200);
  });
});

void describe('tags stay in the gateway: what the provider receives', () => {
  let openai: FakeUpstream;
  let anthropic: FakeUpstream;
  let gw: TestGateway;

  before(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    gw = await testGateway(`
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_base: "${openai.url}/v1", api_key: sk-upstream }
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: "${anthropic.url}", api_key: sk-ant-upstream }
`);
  });
  after(async () => {
    await gw.app.close();
    await Promise.all([openai.close(), anthropic.close()]);
  });

  void it("OpenAI gets its metadata as a map of strings without the tags; Anthropic gets only user_id; events carry both", async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'x-litellm-tags': 'eu' },
      payload: { model: 'gpt', messages: MESSAGES, user: 'c1', metadata: { tags: ['prod'], trace_id: 'abc', nested: { a: 1 } } },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(openai.last().body.metadata, { trace_id: 'abc' });
    assert.equal(openai.last().body.user, 'c1');
    const msg = await gw.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { 'anthropic-version': '2023-06-01' },
      payload: { model: 'claude', max_tokens: 16, messages: MESSAGES, metadata: { user_id: 'c2', tags: ['prod'] } },
    });
    assert.equal(msg.statusCode, 200, msg.body);
    assert.deepEqual(anthropic.last().body.metadata, { user_id: 'c2' });
    const events = gw.events.filter((e) => e.type === 'request' || e.type === 'response') as Array<{ type: string; end_user?: string; tags?: string[] }>;
    assert.deepEqual(events.map((e) => [e.type, e.end_user, e.tags]), [
      ['request', 'c1', ['prod', 'eu']],
      ['response', 'c1', ['prod', 'eu']],
      ['request', 'c2', ['prod']],
      ['response', 'c2', ['prod']],
    ]);
  });
});
