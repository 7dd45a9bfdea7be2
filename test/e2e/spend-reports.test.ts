// Spend reports through the real stack: traffic with several keys, teams, users, end users and tags through a gateway
// process, Kafka, the ledger and the ClickHouse sink; then every LiteLLM-shaped report (/spend/logs, /spend/tags,
// /global/spend/*) and /key/info's spend equal what the requests were charged (their usage at the configured prices),
// filters narrow them, the SQL views and `helix spend` agree, and hostile query parameters are refused with a 400 in
// OpenAI's error shape while the ledger stays as it was.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.ts';
import { nanoPerToken, usdFromNano } from '../../core/money.ts';
import { helixSql, startPipeline, waitFor, type Pipeline } from '../helpers/processes.ts';
import { createKey, TEST_PRICES, testModelList, writeConfig, type TrafficKey } from '../helpers/traffic.ts';

const MASTER = 'sk-helix-test-master';
const IN_NANO = nanoPerToken(TEST_PRICES.input_cost_per_token);
const OUT_NANO = nanoPerToken(TEST_PRICES.output_cost_per_token);

interface Sent {
  requestId: string;
  key: TrafficKey;
  endUser: string;
  tags: string[];
  model: string;
  /** What the request was charged, in nano-USD: its usage at the configured prices. */
  nano: number;
  promptTokens: number;
  completionTokens: number;
}

interface Answer {
  status: number;
  body: unknown;
}

const today = () => new Date().toISOString().slice(0, 10);
const shiftDay = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

void describe('spend reports from the ledger', () => {
  let pipeline: Pipeline;
  let keys: Record<'a1' | 'a2' | 'b' | 'none', TrafficKey>;
  const sent: Sent[] = [];
  // Yesterday … tomorrow: the traffic's day whatever the clock does while the test runs.
  let from: string;
  let to: string;

  const admin = async (path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<Answer> => {
    const res = await fetch(`${pipeline.gatewayUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.key ?? MASTER}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const ok = async <T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> => {
    const a = await admin(path, init);
    assert.equal(a.status, 200, `${path}: ${JSON.stringify(a.body).slice(0, 500)}`);
    return a.body as T;
  };

  const nanoOf = (pick: (s: Sent) => boolean) => sent.filter(pick).reduce((n, s) => n + s.nano, 0);
  const usdOf = (pick: (s: Sent) => boolean) => usdFromNano(nanoOf(pick));
  /** Float sums of a report compared at the nano (each part is an exact ledger amount). */
  const nanoSum = (values: number[]) => Math.round(values.reduce((n, v) => n + v * 1e9, 0));

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-spend-reports-'));
    const config = writeConfig(dir, { model_list: testModelList(), helix_settings: { semantic_cache: { semantic_enabled: false } } });
    pipeline = await startPipeline({ HELIX_CONFIG: config, HELIX_MASTER_KEY: MASTER });
    keys = {
      a1: await createKey(pipeline.gatewayUrl, MASTER, { team_id: 'team-a', user_id: 'u-1' }),
      a2: await createKey(pipeline.gatewayUrl, MASTER, { team_id: 'team-a', user_id: 'u-2' }),
      b: await createKey(pipeline.gatewayUrl, MASTER, { team_id: 'team-b', user_id: 'u-3' }),
      none: await createKey(pipeline.gatewayUrl, MASTER),
    };
    const plan: Array<{ key: TrafficKey; endUser: string; tags: string[]; header?: string; model: string }> = [];
    const order = [keys.a1, keys.a2, keys.b, keys.none];
    const endUsers = ['cust-1', 'cust-2', ''];
    const tagSets = [['prod'], ['prod', 'chat'], [], ['batch']];
    for (let i = 0; i < 16; i++) {
      const tags = tagSets[i % tagSets.length]!;
      // The batch tag arrives as LiteLLM's header, the others in metadata.tags.
      plan.push({ key: order[i % order.length]!, endUser: endUsers[i % endUsers.length]!, tags, model: i % 5 === 0 ? 'mock/fixed' : 'mock/echo', ...(tags[0] === 'batch' ? { header: 'batch' } : {}) });
    }
    for (const [i, p] of plan.entries()) {
      const res = await fetch(`${pipeline.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${p.key.key}`,
          'content-type': 'application/json',
          'cache-control': 'no-store',
          ...(p.header ? { 'x-litellm-tags': p.header } : {}),
        },
        body: JSON.stringify({
          model: p.model,
          messages: [{ role: 'user', content: `spend report request ${i}: ${'word '.repeat(i)}` }],
          ...(p.endUser ? { user: p.endUser } : {}),
          ...(p.tags.length && !p.header ? { metadata: { tags: p.tags } } : {}),
        }),
      });
      const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      assert.equal(res.status, 200, JSON.stringify(body));
      const { prompt_tokens, completion_tokens } = body.usage;
      sent.push({
        requestId: res.headers.get('x-request-id')!,
        key: p.key,
        endUser: p.endUser,
        tags: p.tags,
        model: p.model,
        nano: prompt_tokens * IN_NANO + completion_tokens * OUT_NANO,
        promptTokens: prompt_tokens,
        completionTokens: completion_tokens,
      });
    }
    from = shiftDay(today(), -1);
    to = shiftDay(today(), 1);
    await waitFor(
      'every request in the ledger',
      async () => (await ok<unknown[]>('/spend/logs?summarize=false&page_size=1000')).length === sent.length,
      90_000,
      500,
    );
  });
  after(async () => {
    await pipeline?.stop();
  });

  void it('/key/info reports each key’s spend to date', async () => {
    for (const key of Object.values(keys)) {
      // Spend to date is cached for a few seconds (core/spend/spend-lookup.ts): a lookup made while the rows were
      // still landing may answer the earlier figure until then.
      let info = await ok<{ info: { spend: number; key_id: string } }>(`/key/info?key=${encodeURIComponent(key.key)}`);
      for (const until = Date.now() + 12_000; info.info.spend !== usdOf((s) => s.key === key) && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 500));
        info = await ok<{ info: { spend: number; key_id: string } }>(`/key/info?key=${encodeURIComponent(key.key)}`);
      }
      assert.equal(info.info.key_id, key.keyId);
      assert.equal(info.info.spend, usdOf((s) => s.key === key), key.keyId);
    }
  });

  void it('/spend/logs: one row per charged request, with its cost, tags and end user; filters narrow them', async () => {
    const rows = await ok<Array<{ request_id: string; api_key: string; spend: number; end_user: string; request_tags: string[]; user: string; team_id: string; prompt_tokens: number }>>(
      '/spend/logs?summarize=false&page_size=1000',
    );
    const byId = new Map(rows.map((r) => [r.request_id, r]));
    for (const s of sent) {
      const row = byId.get(s.requestId);
      assert.ok(row, `no log row for ${s.requestId}`);
      assert.equal(row.api_key, s.key.keyId);
      assert.equal(Math.round(row.spend * 1e9), s.nano, s.requestId);
      assert.equal(row.prompt_tokens, s.promptTokens);
      assert.equal(row.end_user, s.endUser);
      assert.deepEqual(row.request_tags, s.tags);
      assert.equal(row.team_id, s.key.teamId);
      assert.equal(row.user, s.key.userId);
    }

    // api_key as the secret, its hash (LiteLLM's token) or the key id: the same rows.
    const hash = (await ok<{ key: string }>(`/key/info?key=${keys.a1.keyId}`)).key;
    for (const ref of [keys.a1.key, hash, keys.a1.keyId]) {
      const mine = await ok<Array<{ spend: number; api_key: string }>>(`/spend/logs?summarize=false&api_key=${encodeURIComponent(ref)}`);
      assert.equal(mine.length, sent.filter((s) => s.key === keys.a1).length);
      assert.equal(nanoSum(mine.map((r) => r.spend)), nanoOf((s) => s.key === keys.a1));
    }
    const one = sent[3]!;
    assert.deepEqual((await ok<Array<{ request_id: string }>>(`/spend/logs?request_id=${one.requestId}`)).map((r) => r.request_id), [one.requestId]);
    const u2 = await ok<Array<{ user: string }>>('/spend/logs?user_id=u-2&summarize=false');
    assert.ok(u2.length > 0 && u2.every((r) => r.user === 'u-2'));
    assert.equal((await ok<unknown[]>('/spend/logs?end_user=cust-2&page_size=2&page=1')).length, 2);
    assert.deepEqual(await ok<unknown[]>(`/spend/logs?api_key=${encodeURIComponent('sk-helix-not-a-key-0000000000')}`), [], 'a secret that is no key has no spend');

    // Summarized per day (LiteLLM's default with dates): every day of the range, the traffic's day holds it all.
    const days = await ok<Array<{ startTime: string; spend: number; users: Record<string, number> }>>(`/spend/logs?start_date=${from}&end_date=${to}`);
    assert.deepEqual(days.map((d) => d.startTime), [from, today(), to]);
    assert.equal(nanoSum(days.map((d) => d.spend)), nanoOf(() => true));
    assert.equal(nanoSum(days.map((d) => d.users['u-1'] ?? 0)), nanoOf((s) => s.key.userId === 'u-1'));
  });

  void it('/spend/tags and /global/spend/tags: spend and requests per tag', async () => {
    const tags = await ok<Array<{ individual_request_tag: string; log_count: number; total_spend: number }>>(`/spend/tags?start_date=${from}&end_date=${to}`);
    const expected = ['prod', 'chat', 'batch'].map((tag) => ({ tag, n: sent.filter((s) => s.tags.includes(tag)).length, nano: nanoOf((s) => s.tags.includes(tag)) }));
    assert.deepEqual(
      tags.map((t) => ({ tag: t.individual_request_tag, n: t.log_count, nano: Math.round(t.total_spend * 1e9) })).sort((a, b) => a.tag.localeCompare(b.tag)),
      expected.sort((a, b) => a.tag.localeCompare(b.tag)),
    );
    assert.deepEqual(await ok<unknown[]>('/spend/tags'), tags, 'all time = the traffic');
    const ui = await ok<{ spend_per_tag: Array<{ name: string; spend: number; log_count: number }> }>(`/global/spend/tags?start_date=${from}&end_date=${to}&tags=chat,batch`);
    assert.deepEqual(ui.spend_per_tag.map((t) => t.name).sort(), ['batch', 'chat']);
  });

  void it('/global/spend/report: per team, per customer and per key, with LiteLLM’s filters', async () => {
    type Group = { team_name?: string; customer?: string | null; total_spend: number; metadata: Array<{ model: string; api_key: string; spend: number }> };
    const teams = await ok<Array<{ group_by_day: string; teams: Group[] }>>(`/global/spend/report?start_date=${from}&end_date=${to}&group_by=team`);
    assert.deepEqual(teams.map((d) => d.group_by_day), [`${today()}T00:00:00+00:00`]);
    const teamSpend = (name: string) => nanoSum(teams.flatMap((d) => d.teams.filter((t) => t.team_name === name).map((t) => t.total_spend)));
    assert.equal(teamSpend('team-a'), nanoOf((s) => s.key.teamId === 'team-a'));
    assert.equal(teamSpend('team-b'), nanoOf((s) => s.key.teamId === 'team-b'));
    assert.equal(teamSpend('Unassigned Team'), nanoOf((s) => s.key.teamId === ''));
    const a1Models = teams[0]!.teams.find((t) => t.team_name === 'team-a')!.metadata.filter((m) => m.api_key === keys.a1.keyId);
    assert.equal(nanoSum(a1Models.map((m) => m.spend)), nanoOf((s) => s.key === keys.a1));

    const customers = await ok<Array<{ customers: Group[] }>>(`/global/spend/report?start_date=${from}&end_date=${to}&group_by=customer`);
    for (const customer of ['cust-1', 'cust-2']) {
      assert.equal(nanoSum(customers.flatMap((d) => d.customers.filter((c) => c.customer === customer).map((c) => c.total_spend))), nanoOf((s) => s.endUser === customer), customer);
    }
    assert.equal(nanoSum(customers.flatMap((d) => d.customers.filter((c) => c.customer === null).map((c) => c.total_spend))), nanoOf((s) => s.endUser === ''));

    type KeyRow = { api_key: string; total_cost: number; total_input_tokens: number };
    const perKey = await ok<KeyRow[]>(`/global/spend/report?start_date=${from}&end_date=${to}&group_by=api_key`);
    for (const key of Object.values(keys)) {
      const row = perKey.find((k) => k.api_key === key.keyId)!;
      assert.equal(Math.round(row.total_cost * 1e9), nanoOf((s) => s.key === key));
      assert.equal(row.total_input_tokens, sent.filter((s) => s.key === key).reduce((n, s) => n + s.promptTokens, 0));
    }
    assert.deepEqual((await ok<KeyRow[]>(`/global/spend/report?start_date=${from}&end_date=${to}&api_key=${encodeURIComponent(keys.b.key)}`)).map((k) => k.api_key), [keys.b.keyId]);
    assert.deepEqual((await ok<KeyRow[]>(`/global/spend/report?start_date=${from}&end_date=${to}&internal_user_id=u-2`)).map((k) => k.api_key), [keys.a2.keyId]);
    const teamB = await ok<Array<{ teams: Group[] }>>(`/global/spend/report?start_date=${from}&end_date=${to}&team_id=team-b`);
    assert.deepEqual([...new Set(teamB.flatMap((d) => d.teams.map((t) => t.team_name)))], ['team-b']);
    const both = await ok<Array<{ teams_customers: Group[] }>>(`/global/spend/report?start_date=${from}&end_date=${to}&team_id=team-a&customer_id=cust-1`);
    assert.equal(nanoSum(both.flatMap((d) => d.teams_customers.map((g) => g.total_spend))), nanoOf((s) => s.key.teamId === 'team-a' && s.endUser === 'cust-1'));
    // Before the traffic: nothing.
    assert.deepEqual(await ok<unknown[]>('/global/spend/report?start_date=2024-01-01&end_date=2024-01-31'), []);
  });

  void it('/global/spend/keys, /teams, /models and /end_users rank the last 30 days', async () => {
    const top = await ok<Array<{ api_key: string; key_alias: string | null; total_spend: number }>>('/global/spend/keys?limit=2');
    const expectedTop = Object.values(keys).sort((x, y) => nanoOf((s) => s.key === y) - nanoOf((s) => s.key === x)).slice(0, 2);
    assert.deepEqual(top.map((k) => [k.api_key, k.key_alias, Math.round(k.total_spend * 1e9)]), expectedTop.map((k) => [k.keyId, k.alias, nanoOf((s) => s.key === k)]));
    const teams = await ok<{ daily_spend: Array<Record<string, number | string>>; total_spend_per_team: Array<{ team_id: string; total_spend: number }> }>('/global/spend/teams');
    assert.equal(Math.round(teams.total_spend_per_team.find((t) => t.team_id === 'team-a')!.total_spend * 1e9), nanoOf((s) => s.key.teamId === 'team-a'));
    assert.equal(teams.daily_spend.length, 1);
    const models = await ok<Array<{ model: string; total_spend: number }>>('/global/spend/models');
    assert.deepEqual(models.map((m) => [m.model, Math.round(m.total_spend * 1e9)]).sort(), ['mock/echo', 'mock/fixed'].map((m) => [m, nanoOf((s) => s.model === m)]).sort());
    const endUsers = await ok<Array<{ end_user: string; total_count: number; total_spend: number }>>('/global/spend/end_users', { method: 'POST', body: { api_key: keys.a1.keyId } });
    const a1Users = [...new Set(sent.filter((s) => s.key === keys.a1 && s.endUser).map((s) => s.endUser))];
    assert.deepEqual(endUsers.map((u) => u.end_user).sort(), a1Users.sort());
    for (const u of endUsers) assert.equal(Math.round(u.total_spend * 1e9), nanoOf((s) => s.key === keys.a1 && s.endUser === u.end_user));
  });

  void it('the SQL views, the docs examples and `helix spend` show the same spend', async () => {
    const byTag = await helixSql<{ tag: string; usd: string }>(pipeline.env, 'SELECT tag, toString(sum(cost_usd)) AS usd FROM v_spend_by_tag_daily GROUP BY tag ORDER BY tag');
    assert.deepEqual(
      byTag.map((r) => [r.tag, Math.round(Number(r.usd) * 1e9)]),
      ['', 'batch', 'chat', 'prod'].map((t) => [t, nanoOf((s) => (t === '' ? s.tags.length === 0 : s.tags.includes(t)))]),
    );
    const byEndUser = await helixSql<{ end_user: string; n: number }>(pipeline.env, 'SELECT end_user, sum(requests) AS n FROM v_spend_by_end_user_daily GROUP BY end_user ORDER BY end_user');
    assert.deepEqual(byEndUser.map((r) => [r.end_user, Number(r.n)]), ['', 'cust-1', 'cust-2'].map((u) => [u, sent.filter((s) => s.endUser === u).length]));

    const doc = readFileSync(join(repoRoot, 'docs/sql.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Spend by end user and by tag'), doc.indexOf('## Things to know'));
    const examples = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.equal(examples.length, 2);
    for (const example of examples) assert.ok((await helixSql(pipeline.env, example)).length > 0, example);

    const cli = await runCli(['spend', 'tags', '--from', from, '--to', to, '--json']);
    assert.deepEqual(JSON.parse(cli), await ok(`/spend/tags?start_date=${from}&end_date=${to}`));
    const table = await runCli(['spend', 'report', '--from', from, '--to', to, '--by', 'api_key']);
    for (const key of Object.values(keys)) assert.ok(table.includes(key.keyId), table);
    const logs = await runCli(['spend', 'logs', '--key', keys.b.keyId, '--size', '100']);
    for (const s of sent) assert.equal(logs.includes(s.requestId), s.key === keys.b, `${s.requestId} in\n${logs}`);
  });

  void it('hostile parameters are refused with a 400 in OpenAI’s error shape; values are never SQL', async () => {
    const range = `start_date=${from}&end_date=${to}`;
    const refused: Array<[string, string?]> = [
      ['/spend/logs?start_date=2024-13-01&end_date=2024-13-02', 'start_date'],
      ['/spend/logs?start_date=2024-02-30&end_date=2024-03-01', 'start_date'],
      ['/spend/logs?start_date=2024-01-01', 'end_date'],
      ['/spend/logs?start_date=2020-01-01&end_date=2024-01-01', 'end_date'],
      ['/spend/logs?start_date=2024-03-02&end_date=2024-03-01', 'end_date'],
      [`/spend/logs?start_date=${encodeURIComponent("2024-01-01' OR '1'='1")}&end_date=2024-01-02`, 'start_date'],
      ['/spend/logs?page_size=0', 'page_size'],
      ['/spend/logs?page_size=5000', 'page_size'],
      ['/spend/logs?page_size=99999999999'],
      ['/spend/logs?page=-1'],
      ['/spend/logs?page=102&page_size=1000', 'page'],
      ['/spend/logs?user_id=a&user_id=b'],
      [`/spend/logs?user_id=${'x'.repeat(300)}`],
      [`/spend/logs?api_key=sk-${'x'.repeat(600)}`],
      ['/spend/logs?summarize=maybe'],
      [`/spend/tags?start_date=${encodeURIComponent("'; DROP TABLE ledger_entries; --")}&end_date=2024-01-01`, 'start_date'],
      ['/global/spend/report', 'start_date'],
      [`/global/spend/report?${range}&group_by=${encodeURIComponent('team; DROP TABLE x')}`],
      [`/global/spend/tags?${range}&tags=${Array.from({ length: 51 }, (_, i) => `t${i}`).join(',')}`, 'tags'],
      ['/global/spend/keys?limit=0', 'limit'],
      ['/global/spend/keys?limit=-5'],
      ['/global/spend/models?limit=ten'],
    ];
    for (const [path, param] of refused) {
      const a = await admin(path);
      const error = (a.body as { error: Record<string, unknown> }).error;
      assert.equal(a.status, 400, `${path}: ${JSON.stringify(a.body)}`);
      assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type'], path);
      assert.equal(error.type, 'invalid_request_error', path);
      if (param) assert.equal(error.param, param, path);
      assert.ok(String(error.message).length < 600, 'the message never echoes unbounded input');
    }
    for (const body of [{ startTime: 'yesterday' }, { api_key: 5 }, { endTime: '2024-01-01T00:00:00Z'.repeat(3) }]) {
      const a = await admin('/global/spend/end_users', { method: 'POST', body });
      assert.equal(a.status, 400, JSON.stringify(body));
    }
    // SQL in a value is only a value: it matches nothing.
    for (const path of [`/spend/logs?user_id=${encodeURIComponent("' OR 1=1 --")}`, `/global/spend/report?${range}&team_id=${encodeURIComponent("x' OR team_id != '")}`]) {
      assert.deepEqual(await ok(path), [], path);
    }
    // Not for virtual keys.
    const a = await admin('/spend/logs', { key: keys.a1.key });
    assert.equal(a.status, 403);
    assert.equal((await ok<unknown[]>('/spend/logs?summarize=false&page_size=1000')).length, sent.length, 'the ledger is as it was');
  });

  async function runCli(args: string[]): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...pipeline.env, HELIX_URL: pipeline.gatewayUrl, HELIX_MASTER_KEY: MASTER },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 0, err);
    return out;
  }
});
