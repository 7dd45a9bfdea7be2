// Grafana cannot run here, so the provisioned dashboards are checked statically: valid JSON, the five boards, unique
// uids and panel ids, panels on the 24-column grid without overlaps, every query on the provisioned ClickHouse
// datasource, every variable a query uses defined, units and time ranges set. (test/e2e/grafana-panels.test.ts
// runs every query against the real schema.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../lib/paths.ts';

interface Target {
  refId: string;
  datasource?: { type: string; uid: string };
  editorType?: string;
  queryType?: string;
  format?: number;
  rawSql?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  time?: { from: string; to: string };
  refresh?: string;
  templating: { list: Array<{ name: string; type: string; query?: string; datasource?: { uid: string }; includeAll?: boolean; allValue?: string }> };
  annotations?: { list: Array<{ datasource?: { uid: string; type?: string }; target?: Target; builtIn?: number }> };
  panels: Panel[];
}

const dir = join(repoRoot, 'grafana/dashboards');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const dashboards = files.map((f) => ({ file: f, d: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard }));
const provisioned = parse(readFileSync(join(repoRoot, 'grafana/provisioning/datasources/clickhouse.yaml'), 'utf8')) as { datasources: Array<{ uid: string; type: string }> };
const ds = provisioned.datasources[0]!;
/** `$name`, `${name}`, `${name:format}`, `[[name]]` — but not Grafana's and the plugin's `$__…` macros. */
const VAR_REF = /\$\{(\w+)(?::\w+)?\}|\$(?!__)(\w+)|\[\[(\w+)\]\]/g;
const referencedVars = (sql: string) => [...sql.matchAll(VAR_REF)].map((m) => m[1] ?? m[2] ?? m[3]!);

describe('Grafana provisioning', () => {
  it('provisions the ClickHouse datasource the dashboards use, and a file provider for the dashboards', () => {
    assert.equal(ds.uid, 'helix-clickhouse');
    assert.equal(ds.type, 'grafana-clickhouse-datasource');
    const providers = parse(readFileSync(join(repoRoot, 'grafana/provisioning/dashboards/helix.yaml'), 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> };
    const compose = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
    assert.ok(compose.includes(`./grafana/dashboards:${providers.providers[0]!.options.path}`), 'compose mounts the dashboards where the provider reads them');
  });

  it('has the five boards with unique uids, titles and sensible time ranges', () => {
    assert.deepEqual(dashboards.map((x) => x.d.uid).sort(), ['helix-anomalies', 'helix-cache', 'helix-overview', 'helix-pii', 'helix-spend']);
    assert.equal(new Set(dashboards.map((x) => x.d.title)).size, dashboards.length);
    for (const { file, d } of dashboards) {
      assert.match(d.time?.from ?? '', /^now-\d+[hd]$/, `${file}: relative time range`);
      assert.equal(d.time?.to, 'now', file);
      assert.ok(d.refresh, `${file}: refreshes`);
    }
  });

  for (const { file, d } of dashboards) {
    describe(file, () => {
      it('has unique panel ids and panels on the grid without overlaps', () => {
        const ids = d.panels.map((p) => p.id);
        assert.equal(new Set(ids).size, ids.length, 'unique ids');
        for (const p of d.panels) {
          const g = p.gridPos;
          assert.ok([g.x, g.y, g.w, g.h].every((n) => Number.isInteger(n) && n >= 0), `${p.title}: integer grid position`);
          assert.ok(g.w > 0 && g.h > 0 && g.x + g.w <= 24, `${p.title}: within 24 columns`);
        }
        for (const a of d.panels) {
          for (const b of d.panels) {
            if (a.id >= b.id) continue;
            const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
            assert.ok(!overlap, `${a.title} overlaps ${b.title}`);
          }
        }
      });

      it('queries only the provisioned ClickHouse datasource, in SQL mode', () => {
        const targets = [...d.panels.flatMap((p) => p.targets ?? []), ...(d.annotations?.list ?? []).flatMap((a) => (a.target ? [a.target] : []))];
        for (const p of d.panels) {
          assert.deepEqual(p.datasource, { type: ds.type, uid: ds.uid }, `${p.title}: panel datasource`);
          assert.ok((p.targets ?? []).length > 0, `${p.title}: has a query`);
          assert.ok(p.fieldConfig?.defaults?.unit, `${p.title}: has a unit`);
          for (const t of p.targets ?? []) {
            assert.equal(t.format, p.type === 'timeseries' ? 0 : 1, `${p.title}: format matches the panel`);
            assert.equal(t.queryType, p.type === 'timeseries' ? 'timeseries' : 'table', `${p.title}: query type matches the panel`);
          }
        }
        for (const t of targets) {
          assert.deepEqual(t.datasource, { type: ds.type, uid: ds.uid });
          assert.equal(t.editorType, 'sql');
          assert.ok(t.rawSql && /^\s*(SELECT|WITH)\b/i.test(t.rawSql), 'a SELECT');
          if (/\$__timeInterval|\$__timeFilter/.test(t.rawSql) === false && /\$__dateFilter/.test(t.rawSql) === false) assert.fail(`query without a time filter: ${t.rawSql}`);
        }
        for (const v of d.templating.list.filter((x) => x.type === 'query')) assert.equal(v.datasource?.uid, ds.uid, `variable ${v.name}`);
      });

      it('defines every variable its queries use (team, key, model), with an All option', () => {
        const defined = new Set(d.templating.list.map((v) => v.name));
        assert.deepEqual([...defined].sort(), ['key', 'model', 'team']);
        const sqls = [...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.rawSql ?? '')), ...d.templating.list.map((v) => v.query ?? '')];
        for (const sql of sqls) for (const name of referencedVars(sql)) assert.ok(defined.has(name), `$${name} is not defined (in ${sql.slice(0, 80)}…)`);
        for (const v of d.templating.list) {
          assert.ok(v.includeAll, `${v.name}: All option`);
          assert.equal(v.allValue, "'__all'", `${v.name}: the All value the queries test for`);
        }
        const used = new Set(sqls.flatMap(referencedVars));
        for (const name of defined) assert.ok(used.has(name), `$${name} is defined but no query uses it`);
      });
    });
  }
});
