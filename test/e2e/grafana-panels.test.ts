// Every Grafana panel query (and every variable and annotation query) runs against the real schema, loaded with
// generated traffic through the real gateway and pipeline, and returns rows. Macros are substituted the way the
// ClickHouse datasource plugin does ($__timeFilter, $__timeInterval, $__dateFilter, $__fromTime …) and variables the
// way Grafana does (${var:singlequote}; All = the variable's custom all value) — then the SQL goes through the same
// read-only endpoint `helix sql` uses. The example queries of docs/sql.md run on the same data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { repoRoot } from '../../lib/paths.ts';
import { ANOMALY_GROUP } from '../../consumers/anomaly/start.ts';
import { WEBHOOK_GROUP } from '../../consumers/webhooks/start.ts';
import { startPipeline, waitFor, type Pipeline } from '../helpers/processes.ts';
import { chat, createKey, mixedCalls, runCalls, startWebhookReceiver, testModelList, waitForGroups, writeConfig, type TrafficKey, type WebhookReceiver } from '../helpers/traffic.ts';

interface Target {
  rawSql: string;
}
interface Dashboard {
  uid: string;
  templating: { list: Array<{ name: string; query: string; allValue: string }> };
  annotations: { list: Array<{ name: string; target?: Target }> };
  panels: Array<{ id: number; title: string; targets: Target[] }>;
}

const dashboards = readdirSync(join(repoRoot, 'grafana/dashboards'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(repoRoot, 'grafana/dashboards', f), 'utf8')) as Dashboard);

/** The selection of each variable: 'all' or concrete values. */
type Selection = Record<string, 'all' | string[]>;

/** Grafana's template interpolation: a custom All value is inserted raw; `singlequote` quotes and escapes each value. */
function interpolateVariables(sql: string, d: Dashboard, sel: Selection): string {
  const value = (name: string, format: string | undefined) => {
    const v = d.templating.list.find((x) => x.name === name);
    if (!v) throw new Error(`undefined variable $${name}`);
    const s = sel[name] ?? 'all';
    if (s === 'all') return v.allValue;
    if (format === 'singlequote') return s.map((x) => `'${x.replace(/'/g, "\\'")}'`).join(',');
    return s.join(',');
  };
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)/g, (_m, braced: string | undefined, format: string | undefined, bare: string | undefined) => value(braced ?? bare!, format));
}

/** Splits a macro's argument list at top-level commas. */
function macroArgs(s: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      args.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) args.push(cur.trim());
  return args;
}

/** The ClickHouse datasource plugin's macros (pkg/macros in grafana/clickhouse-datasource). */
function expandMacros(sql: string, from: Date, to: Date, intervalS: number): string {
  const sec = (d: Date) => Math.floor(d.getTime() / 1000);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const fns: Record<string, (args: string[]) => string> = {
    timeFilter: ([c]) => `${c} >= toDateTime(${sec(from)}) AND ${c} <= toDateTime(${sec(to)})`,
    timeFilter_ms: ([c]) => `${c} >= fromUnixTimestamp64Milli(${from.getTime()}) AND ${c} <= fromUnixTimestamp64Milli(${to.getTime()})`,
    dateFilter: ([c]) => `${c} >= toDate('${day(from)}') AND ${c} <= toDate('${day(to)}')`,
    dateTimeFilter: ([d, t]) => `(${d} >= toDate('${day(from)}') AND ${d} <= toDate('${day(to)}')) AND (${t} >= toDateTime(${sec(from)}) AND ${t} <= toDateTime(${sec(to)}))`,
    timeInterval: ([c]) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${Math.max(1, intervalS)} second)`,
    timeInterval_ms: ([c]) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${Math.max(1, intervalS) * 1000} millisecond)`,
  };
  const plain: Record<string, string> = {
    fromTime: `toDateTime(${sec(from)})`,
    toTime: `toDateTime(${sec(to)})`,
    fromTime_ms: `fromUnixTimestamp64Milli(${from.getTime()})`,
    toTime_ms: `fromUnixTimestamp64Milli(${to.getTime()})`,
    interval_s: String(Math.max(1, intervalS)),
  };
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const m = /^\$__(\w+)/.exec(sql.slice(i));
    if (!m) {
      out += sql[i++];
      continue;
    }
    const name = m[1]!;
    i += m[0].length;
    if (fns[name] && sql[i] === '(') {
      let depth = 0;
      let j = i;
      for (; j < sql.length; j++) {
        if (sql[j] === '(') depth++;
        if (sql[j] === ')' && --depth === 0) break;
      }
      out += fns[name](macroArgs(sql.slice(i + 1, j)));
      i = j + 1;
    } else if (plain[name] !== undefined) out += plain[name];
    else throw new Error(`unknown macro $__${name}`);
  }
  return out;
}

describe('Grafana panels on the real schema', () => {
  let p: Pipeline;
  let receiver: WebhookReceiver;
  let keys: TrafficKey[];
  const from = new Date(Date.now() - 60 * 60_000);
  const to = () => new Date(Date.now() + 5 * 60_000);

  const sql = async (query: string): Promise<Array<Record<string, unknown>>> => {
    const res = await fetch(`${p.env.HELIX_QUERY_URL}/v1/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.env.HELIX_MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data: Array<Record<string, unknown>>; error?: { message: string } };
    if (!res.ok) throw new Error(`${body.error?.message}\n  in: ${query}`);
    return body.data;
  };

  before(async () => {
    receiver = await startWebhookReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'helix-grafana-'));
    const config = writeConfig(dir, {
      model_list: testModelList(),
      helix_settings: {
        // Small reservations (no max_tokens in the calls) so team-burn's requests pass until its spend crosses the thresholds.
        budgets: { default_max_tokens: 8, teams: { 'team-burn': { max_budget: 0.0008, budget_duration: '1d' } } },
        analytics: {
          anomalies: { window_seconds: 2, history_windows: 20, min_history_windows: 3, detectors: { spend_spike: { dimensions: ['key'], min_value: 0.1, min_ratio: 4 } } },
          webhooks: { allow_loopback: true, endpoints: [{ name: 'ops', url: receiver.url, secret: 'whsec_grafana_test_secret' }] },
        },
      },
    });
    p = await startPipeline({ HELIX_CONFIG: config });
    const prefix = p.env.HELIX_TOPIC_PREFIX!;
    await waitForGroups((process.env.HELIX_KAFKA_BROKERS ?? '').split(','), [`${prefix}${ANOMALY_GROUP}`, `${prefix}${WEBHOOK_GROUP}`]);
    const master = p.env.HELIX_MASTER_KEY!;
    keys = [
      await createKey(p.gatewayUrl, master, { team_id: 'team-a', user_id: 'alice' }),
      await createKey(p.gatewayUrl, master, { team_id: 'team-a', user_id: 'bob' }),
      await createKey(p.gatewayUrl, master, { team_id: 'team-burn', user_id: 'carol' }),
      await createKey(p.gatewayUrl, master, {}),
    ];
    // Mixed traffic over several anomaly windows, then a spend spike for one key (an anomaly and its webhook).
    for (let round = 0; round < 8; round++) {
      await runCalls(p.gatewayUrl, mixedCalls(keys, 2), 8);
      await new Promise((r) => setTimeout(r, 800));
    }
    // team-burn spends its budget: unique prompts (no cache hits) until the gateway refuses (budget alerts at 50/80/100 %).
    for (let i = 0; i < 8; i++) await chat(p.gatewayUrl, keys[2]!.key, { model: 'mock/echo', content: `Burn ${i} ${randomUUID()} with a longer prompt than usual` });
    const spiker = keys[3]!;
    const long = (i: number) => `${randomUUID()} ${'explain the invoice in painful detail '.repeat(60)} ${i}`;
    await runCalls(p.gatewayUrl, Array.from({ length: 30 }, (_, i) => ({ apiKey: spiker.key, call: { model: 'mock/echo', content: long(i) } })), 15);
    // Everything every board shows has landed: responses, PII, cache hits, ledger, budget alerts, anomalies, deliveries.
    let counts: Record<string, unknown> | undefined;
    await waitFor(
      'all analytics tables filled',
      async () => {
        [counts] = await sql(
          `SELECT (SELECT count() FROM helix.responses) AS responses, (SELECT count() FROM helix.pii_incidents) AS pii, (SELECT count() FROM helix.cache_events) AS cache,
                  (SELECT count() FROM helix.ledger_entries) AS ledger, (SELECT count() FROM helix.budget_alerts) AS budget, (SELECT count() FROM helix.anomalies) AS anomalies,
                  (SELECT count() FROM helix.webhook_deliveries) AS deliveries`,
        );
        return counts && Object.values(counts).every((n) => Number(n) > 0) ? counts : undefined;
      },
      90_000,
      1_000,
    ).catch(async (err: unknown) => {
      const spend = await sql("SELECT team_id, count() AS entries, sum(cost_usd) AS usd FROM helix.ledger_entries GROUP BY team_id").catch(() => []);
      const statuses = await sql("SELECT team_id, http_status, count() AS n FROM helix.responses GROUP BY team_id, http_status ORDER BY team_id").catch(() => []);
      throw new Error(`${(err as Error).message}: ${JSON.stringify(counts)} ledger ${JSON.stringify(spend)} statuses ${JSON.stringify(statuses)}`);
    });
  });
  after(async () => {
    await p?.stop();
    await receiver?.close();
  });

  it('runs every example query of docs/sql.md, each returning rows', async () => {
    const doc = readFileSync(join(repoRoot, 'docs/sql.md'), 'utf8');
    const examples = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
    assert.ok(examples.length >= 10, `${examples.length} examples`);
    const empty: string[] = [];
    for (const example of examples) if ((await sql(example)).length === 0) empty.push(example.split('\n')[0]!);
    assert.deepEqual(empty, [], 'examples without rows');
  });

  for (const d of dashboards) {
    it(`${d.uid}: every panel, variable and annotation query runs and returns rows`, async () => {
      const queries = [
        ...d.templating.list.map((v) => ({ what: `variable $${v.name}`, sql: v.query })),
        ...d.annotations.list.flatMap((a) => (a.target ? [{ what: `annotation ${a.name}`, sql: a.target.rawSql }] : [])),
        ...d.panels.flatMap((panel) => panel.targets.map((t) => ({ what: `panel ${panel.id} "${panel.title}"`, sql: t.rawSql }))),
      ];
      const empty: string[] = [];
      for (const q of queries) {
        const expanded = expandMacros(interpolateVariables(q.sql, d, {}), from, to(), 60);
        assert.ok(!/\$\{|\$__|\$\w/.test(expanded), `${q.what}: unexpanded placeholders in ${expanded}`);
        const rows = await sql(expanded);
        // A row of NULLs (an aggregate over nothing) is no data either.
        if (!rows.some((r) => Object.values(r).some((v) => v !== null))) empty.push(q.what);
      }
      assert.deepEqual(empty, [], `queries without rows on ${d.uid}`);
    });

    it(`${d.uid}: queries run with concrete team, key and model selections`, async () => {
      const selection: Selection = { team: ['team-a', "o'brien"], key: [keys[0]!.keyId], model: ['mock/echo'] };
      for (const panel of d.panels) {
        for (const t of panel.targets) await sql(expandMacros(interpolateVariables(t.rawSql, d, selection), from, to(), 300));
      }
    });
  }
});
