// `helix import litellm` against a real LiteLLM database: PostgreSQL started for this file, LiteLLM's own migrations
// applied (litellm-proxy-extras), sample rows as a LiteLLM proxy writes them. The import runs as a process, first as a
// dry run (nothing written), then for real, then again (nothing changes); a real gateway then accepts the clients'
// existing keys with their imported budgets and spend to date, and the admin routes show what was imported.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { repoRoot } from '../../lib/paths.ts';
import { countTokens } from '../../lib/tokens.ts';
import { countChatPromptTokens } from '../../core/prompt-tokens.ts';
import { BudgetKeys } from '../../core/budgets/store.ts';
import { MONTHLY, parseDuration, periodAt } from '../../core/budgets/periods.ts';
import { FIXED_REPLY } from '../../gateway/providers/mock/adapter.ts';
import { helixSql, startPipeline, waitFor, type Pipeline } from '../helpers/processes.ts';
import { newLiteLLMDatabase, stopPostgres } from '../helpers/postgres.ts';

const MASTER = 'sk-helix-test-master';
const AUTH_PREFIX = `test-import-${randomBytes(4).toString('hex')}:`;
const BUDGET_PREFIX = `${AUTH_PREFIX}budget:`;
const YAML = `
model_list:
  - model_name: mock/fixed
    litellm_params: { model: mock/fixed, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
helix_settings:
  auth: { redis_prefix: "${AUTH_PREFIX}" }
  budgets: { redis_prefix: "${BUDGET_PREFIX}" }
  semantic_cache: { semantic_enabled: false }
`;
const MESSAGES = [{ role: 'user' as const, content: 'ping' }];
const OUT = countTokens(FIXED_REPLY);
/** One request's cost (max_tokens = the reply's length: the hold equals the charge). */
const COST_USD = (countChatPromptTokens(MESSAGES) * 1000 + OUT * 2000) / 1e9;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const NEAR = 'sk-litellm-near-budget-0001';
const LEGACY = 'sk-plain-legacy-0002';
const LINKED = 'sk-litellm-linked-budget-0003';
const BLOCKED = 'sk-litellm-blocked-0004';
const DUPLICATE = 'sk-litellm-same-alias-0005';
/** The near-budget key: $1 per 30 days, of which all but 2.5 requests' worth is spent; $5 over its lifetime. */
const NEAR_SPEND = 1 - 2.5 * COST_USD;

/** What a LiteLLM proxy's database holds after some use. */
async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const by = { created_by: 'admin', updated_by: 'admin' };
  const insert = (table: string, row: Record<string, unknown>) => {
    const cols = Object.keys(row);
    return c.query(`INSERT INTO "${table}" (${cols.map((k) => `"${k}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
  };
  try {
    await insert('LiteLLM_BudgetTable', { budget_id: 'b-key', max_budget: 2, budget_duration: '1d', rpm_limit: 100, ...by });
    await insert('LiteLLM_BudgetTable', { budget_id: 'b-cust', max_budget: 5, budget_duration: '30d', ...by });
    await insert('LiteLLM_BudgetTable', { budget_id: 'b-tag', max_budget: 100, budget_duration: '1mo', ...by });
    await insert('LiteLLM_TeamTable', {
      team_id: 'team-research', team_alias: 'Research', max_budget: 50, budget_duration: '30d', spend: 12.5, models: ['mock/fixed'], tpm_limit: 100000,
      members_with_roles: JSON.stringify([{ user_id: 'alice', role: 'admin', user_email: 'alice@example.com' }, { user_id: 'bob', role: 'user' }]), metadata: JSON.stringify({ cost_center: 'r&d' }),
    });
    await insert('LiteLLM_UserTable', { user_id: 'alice', user_email: 'alice@example.com', user_role: 'internal_user', teams: ['team-research'], spend: 3, max_budget: 100, models: [] });
    await insert('LiteLLM_UserTable', { user_id: 'bob', user_role: 'internal_user', teams: ['team-research'], spend: 1, models: [] });
    await insert('LiteLLM_TeamMembership', { user_id: 'bob', team_id: 'team-research', spend: 1 });
    await insert('LiteLLM_VerificationToken', { token: sha(NEAR), key_name: 'sk-...0001', key_alias: 'near-budget', max_budget: 1, budget_duration: '30d', spend: NEAR_SPEND, total_spend: 5, models: [], metadata: JSON.stringify({ env: 'ci' }) });
    // A proxy from before keys were hashed stored the secret itself.
    await insert('LiteLLM_VerificationToken', { token: LEGACY, key_alias: 'legacy', user_id: 'bob', team_id: 'team-research', spend: 2, models: [] });
    await insert('LiteLLM_VerificationToken', { token: sha(LINKED), key_alias: 'linked', user_id: 'alice', team_id: 'team-research', budget_id: 'b-key', spend: 0.5, models: ['all-team-models'], expires: new Date(Date.now() + 86_400_000 * 30) });
    await insert('LiteLLM_VerificationToken', { token: sha(BLOCKED), key_alias: 'blocked', blocked: true, spend: 0, models: [], max_parallel_requests: 5 });
    // Rows Helix cannot take as they are: reported, and the rest of the import goes on.
    await insert('LiteLLM_VerificationToken', { token: sha(DUPLICATE), key_name: 'sk-...0005', key_alias: 'near-budget', spend: 0, models: [], created_at: new Date(Date.now() + 60_000) });
    await insert('LiteLLM_VerificationToken', { token: 'not-a-key-or-hash', key_alias: 'garbage', spend: 3, models: [] });
    await insert('LiteLLM_VerificationToken', { token: sha('sk-pipe'), key_alias: 'pipe', user_id: 'a|b', spend: 3, models: [] });
    await insert('LiteLLM_UserTable', { user_id: 'carol', spend: 0, models: [], metadata: JSON.stringify({ blob: 'x'.repeat(40_000) }) });
    await insert('LiteLLM_BudgetTable', { budget_id: 'b-odd', max_budget: 10, budget_duration: 'fortnight', ...by });
    await insert('LiteLLM_TagTable', { tag_name: 'odd-period', spend: 0, budget_id: 'b-odd', models: [] });
    await insert('LiteLLM_EndUserTable', { user_id: 'cust-1', alias: 'Customer One', spend: 4, budget_id: 'b-cust' });
    await insert('LiteLLM_EndUserTable', { user_id: 'cust-blocked', spend: 0, blocked: true });
    await insert('LiteLLM_BudgetTable', { budget_id: 'b-cust-near', max_budget: 1, budget_duration: '30d', ...by });
    await insert('LiteLLM_EndUserTable', { user_id: 'cust-near', spend: 1 - COST_USD / 2, budget_id: 'b-cust-near' });
    await insert('LiteLLM_TagTable', { tag_name: 'prod', description: 'production traffic', spend: 7, budget_id: 'b-tag', models: [] });
  } finally {
    await c.end();
  }
}

interface Report {
  dryRun: boolean;
  counts: Record<'key' | 'team' | 'user' | 'customer' | 'tag', { created: number; updated: number; unchanged: number; skipped: number }>;
  spend: { entries: number; usd: number; unchanged: number };
  problems: string[];
  warnings: string[];
}

void describe('helix import litellm', () => {
  let pipeline: Pipeline;
  let databaseUrl: string;
  let redis: Redis;
  const budgetKeys = new BudgetKeys(BUDGET_PREFIX);

  /** `helix import litellm …` as a process; its stdout, or a failure with its output. */
  async function runImport(...args: string[]): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts'), 'import', 'litellm', ...args], { cwd: repoRoot, env: { ...process.env, ...pipeline.env, DATABASE_URL: databaseUrl } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(timer);
    assert.equal(code, 0, `helix import litellm ${args.join(' ')} exited ${code}:\n${out}\n${err}`);
    return out;
  }
  const runJson = async (...args: string[]) => JSON.parse(await runImport('--json', ...args)) as Report;

  const admin = async (path: string) => {
    const res = await fetch(`${pipeline.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${MASTER}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const chat = async (key: string, extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${pipeline.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ model: 'mock/fixed', messages: MESSAGES, max_tokens: OUT, ...extra }),
    });
    return { status: res.status, body: await res.text() };
  };
  const counter = async (scope: string, duration?: string) => Number((await redis.get(budgetKeys.spend(scope, periodAt(duration ? parseDuration(duration) : MONTHLY, Date.now()).id))) ?? 0) / 1e9;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-import-'));
    writeFileSync(join(dir, 'config.yaml'), YAML);
    const [url, started] = await Promise.all([newLiteLLMDatabase(), startPipeline({ HELIX_CONFIG: join(dir, 'config.yaml'), HELIX_MASTER_KEY: MASTER })]);
    databaseUrl = url;
    pipeline = started;
    await seed(databaseUrl);
    redis = new Redis(process.env.HELIX_REDIS_URL!, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    const left = redis ? await redis.keys(`${AUTH_PREFIX}*`) : [];
    if (left.length) await redis.del(...left);
    redis?.disconnect();
    await Promise.all([pipeline?.stop(), stopPostgres()]);
  });

  void it('--dry-run reports what would be created and writes nothing', async () => {
    const table = await runImport('--dry-run');
    assert.match(table, /dry run: nothing was written/);
    assert.match(table, /keys\s+5\s+0\s+0\s+2/);
    const report = await runJson('--dry-run');
    assert.equal(report.dryRun, true);
    assert.deepEqual(report.counts.key, { created: 5, updated: 0, unchanged: 0, skipped: 2 });
    assert.deepEqual(report.counts.team, { created: 1, updated: 0, unchanged: 0, skipped: 0 });
    assert.deepEqual(report.counts.user, { created: 3, updated: 0, unchanged: 0, skipped: 0 });
    assert.deepEqual(report.counts.customer, { created: 3, updated: 0, unchanged: 0, skipped: 0 });
    assert.deepEqual(report.counts.tag, { created: 2, updated: 0, unchanged: 0, skipped: 0 });
    assert.deepEqual(report.problems.sort(), [
      'key garbage: token is neither a SHA-256 hash nor an sk- key',
      'key pipe: user_id is empty, too long or contains "|" or control characters',
    ]);
    assert.deepEqual(report.warnings.sort(), [
      'key sk-...0005: alias "near-budget" is taken by another imported key, imported without alias',
      'max_parallel_requests is set on 1 key: not imported (Helix has no such setting)',
      'tag odd-period: budget_duration "fortnight" not understood, imported without a period (lifetime budget)',
      'user carol: metadata over 32768 bytes left out',
    ]);
    assert.ok(report.spend.entries > 0);
    // (The key store's search index exists as soon as the store is asked anything.)
    const written = (await redis.keys(`${AUTH_PREFIX}*`)).filter((k) => !k.startsWith(`${AUTH_PREFIX}key:index`));
    assert.deepEqual(written, [], 'a dry run writes nothing to Redis');
    assert.equal((await chat(NEAR)).status, 401, 'the LiteLLM key is not known yet');
  });

  void it('imports keys, teams, users, end users, tags and spend; the clients\' keys work with their budgets', async () => {
    const report = await runJson();
    assert.equal(report.dryRun, false);
    assert.deepEqual(report.counts.key, { created: 5, updated: 0, unchanged: 0, skipped: 2 });
    assert.deepEqual([report.counts.team.created, report.counts.user.created, report.counts.customer.created, report.counts.tag.created], [1, 3, 3, 2]);
    // Lifetime total of every imported figure: keys 5 + 2 + 0.5 + 0; team 12.5 and users 3 and 1, each minus what
    // their keys brought; end users 4 and 1 − C/2; tag 7: 7.5 + (12.5 − 2.5) + (3 − 0.5) + (1 − 2) + 4 + (1 − C/2) + 7.
    assert.ok(Math.abs(report.spend.usd - (31 - COST_USD / 2)) < 1e-9, `booked $${report.spend.usd}`);

    // Budgets count LiteLLM's spend: the near-budget key has room for two more requests, not three.
    assert.equal((await chat(NEAR)).status, 200);
    assert.equal((await chat(NEAR)).status, 200);
    const refused = await chat(NEAR);
    assert.equal(refused.status, 429, refused.body);
    assert.equal((JSON.parse(refused.body) as { error: { code: string } }).error.code, 'budget_exceeded');

    // A plaintext key of an old proxy works as is; a blocked key stays blocked.
    assert.equal((await chat(LEGACY)).status, 200);
    assert.equal((await chat(LINKED)).status, 200);
    assert.notEqual((await chat(BLOCKED)).status, 200);
    assert.equal((await chat(DUPLICATE)).status, 200, 'a key whose alias was taken still works');

    // End users (the request's `user`) keep their budget, spend and block.
    assert.equal((await chat(LEGACY, { user: 'cust-1' })).status, 200);
    const overBudget = await chat(LEGACY, { user: 'cust-near' });
    assert.equal(overBudget.status, 429, overBudget.body);
    assert.notEqual((await chat(LEGACY, { user: 'cust-blocked' })).status, 200);

    // The counters the budgets read hold LiteLLM's figures, and the ledger adds this traffic to them.
    const near = (scope: string, usd: number, duration?: string) => waitFor(`${scope} at $${usd}`, async () => Math.abs((await counter(scope, duration)) - usd) < 1e-6, 30_000, 200);
    await near('team:team-research', 12.5 + 3 * COST_USD);
    await near('user:bob', 1 + 2 * COST_USD);
    await near('user:alice', 3 + COST_USD);
    await near('customer:cust-1', 4 + COST_USD, '30d');
    assert.ok(Math.abs((await counter('tag:prod', '1mo')) - 7) < 1e-9, 'tag counter');
  });

  void it('the admin routes show the imported key, team, user and end user, with spend to date from the ledger', async () => {
    const key = await admin(`/key/info?key=${NEAR}`);
    assert.equal(key.status, 200, JSON.stringify(key.body));
    const info = key.body.info as Record<string, unknown>;
    assert.equal(info.key_alias, 'near-budget');
    assert.equal(info.max_budget, 1);
    assert.equal(info.budget_duration, '30d');
    assert.deepEqual(info.metadata, { env: 'ci' });
    // Lifetime spend: LiteLLM's total_spend, plus the two requests served here.
    await waitFor('the key\'s spend to date', async () => {
      const spend = ((await admin(`/key/info?key=${NEAR}`)).body.info as { spend?: number }).spend;
      return typeof spend === 'number' && Math.abs(spend - (5 + 2 * COST_USD)) < 1e-6;
    }, 60_000, 500);

    const team = await admin('/team/info?team_id=team-research');
    assert.equal(team.status, 200, JSON.stringify(team.body));
    const teamInfo = (team.body.team_info ?? team.body) as Record<string, unknown>;
    assert.equal(teamInfo.team_alias, 'Research');
    assert.equal(teamInfo.max_budget, 50);
    const members = (teamInfo.members_with_roles as Array<{ user_id: string; role: string }>).map((m) => `${m.user_id}:${m.role}`).sort();
    assert.deepEqual(members, ['alice:admin', 'bob:user']);
    // Spend to date as LiteLLM had it, plus the requests served here.
    const spendOf = async (path: string, pick: (body: Record<string, unknown>) => unknown, usd: number) =>
      waitFor(`spend at ${path} to be $${usd}`, async () => {
        const spend = pick((await admin(path)).body);
        return typeof spend === 'number' && Math.abs(spend - usd) < 1e-6;
      }, 60_000, 500);
    await spendOf('/team/info?team_id=team-research', (b) => ((b.team_info ?? b) as { spend?: number }).spend, 12.5 + 3 * COST_USD);
    await spendOf('/user/info?user_id=bob', (b) => (b.user_info as { spend?: number }).spend, 1 + 2 * COST_USD);
    await spendOf('/customer/info?end_user_id=cust-1', (b) => b.spend, 4 + COST_USD);
  });

  void it('a second run changes nothing and books no spend twice', async () => {
    const landed = () => helixSql<{ n: string; usd: string }>(pipeline.env, "SELECT toString(count()) AS n, toString(sum(cost_usd)) AS usd FROM helix.ledger_entries WHERE source = 'import'");
    const before = await waitFor('the opening balances in ClickHouse', async () => {
      const rows = await landed();
      return rows[0] && Math.abs(Number(rows[0].usd) - (31 - COST_USD / 2)) < 1e-9 ? rows : undefined;
    }, 60_000, 500);
    const report = await runJson();
    for (const kind of ['key', 'team', 'user', 'customer', 'tag'] as const) {
      assert.equal(report.counts[kind].created + report.counts[kind].updated, 0, `${kind}: ${JSON.stringify(report.counts[kind])}`);
    }
    assert.equal(report.spend.entries, 0);
    assert.equal(report.spend.usd, 0);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await landed(), before);
    assert.equal(before[0]?.n, '10', 'one entry per non-zero figure: 4 of keys, the team, 2 users, 2 end users, the tag');
    const [team] = await helixSql<{ usd: string }>(pipeline.env, "SELECT toString(sum(cost_usd)) AS usd FROM helix.ledger_entries WHERE request_id = 'litellm:team:team-research'");
    assert.equal(team?.usd, '10', 'the team\'s own entry: 12.5 minus its keys\' 2.5');
  });
  void it('a later run brings Helix up to LiteLLM\'s changed figures, booking only the difference', async () => {
    // LiteLLM kept serving: the legacy key (bob's, in the team) spent $0.50 more, and the team was renamed.
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query('UPDATE "LiteLLM_VerificationToken" SET spend = spend + 0.5 WHERE token = $1', [LEGACY]);
    await c.query(`UPDATE "LiteLLM_TeamTable" SET spend = spend + 0.5, team_alias = 'Research & Development' WHERE team_id = 'team-research'`);
    await c.end();
    const report = await runJson();
    assert.deepEqual(report.counts.team, { created: 0, updated: 1, unchanged: 0, skipped: 0 });
    assert.equal(report.counts.key.updated, 0);
    // The key's current spend +0.5; bob's own figure did not change, so his residual moves by −0.5; the team's residual
    // (13 − 3) stays.
    assert.equal(report.spend.entries, 2);
    assert.ok(Math.abs(report.spend.usd) < 1e-9);
    const near = (scope: string, usd: number) => waitFor(`${scope} at $${usd}`, async () => Math.abs((await counter(scope)) - usd) < 1e-6, 30_000, 200);
    await near('team:team-research', 13 + 3 * COST_USD);
    await near('user:bob', 1 + 2 * COST_USD);
    await near(`key:${((await admin(`/key/info?key=${LEGACY}`)).body.info as { key_id: string }).key_id}`, 2.5 + 2 * COST_USD);
    assert.equal((await runJson()).spend.entries, 0, 'and then nothing again');
  });
});
