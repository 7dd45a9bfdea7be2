// `helix config check [file]` run as the operator runs it: the effective config on stdout (secrets masked), the
// warnings on stderr, exit 0; exit 1 with the errors when the config would not load.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../lib/paths.ts';

const SPEC = join(repoRoot, 'test/fixtures/config/spec-production.yaml');
const MASTER = 'sk-spec-master-abcdefghijklmnop';
const DB_PASSWORD = 'db-password-zz9';
const SPEC_ENV = { MASTER_KEY: MASTER, DATABASE_URL: `postgres://helix:${DB_PASSWORD}@db:5432/helix`, ANALYTICS_S3_BUCKET: 'helix-analytics' };

async function helixConfig(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HELIX_') && !(k in SPEC_ENV)));
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/helix.ts'), 'config', ...args], { cwd: repoRoot, env: { ...clean, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, stdout, stderr };
}

function tempFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'helix-config-check-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

void describe('helix config check', () => {
  void it("prints the spec's production config as Helix runs it, secrets masked, and its warnings; exit 0", async () => {
    const { code, stdout, stderr } = await helixConfig(['check', SPEC], SPEC_ENV);
    assert.equal(code, 0, stderr);
    const effective = parse(stdout) as Record<string, Record<string, Record<string, unknown>>>;
    assert.equal(effective.general_settings!.master_key, '****mnop');
    assert.equal(effective.general_settings!.database_url, 'postgres://helix:****@db:5432/helix');
    assert.equal(effective.helix_settings!.pii_protection!.scan_output, true);
    assert.equal(effective.helix_settings!.analytics!.retention_days, 90);
    assert.deepEqual(effective.model_list, []);
    assert.match(stdout, /^# effective config of .*spec-production\.yaml/);
    assert.match(stdout, /^# {3}masterKey: "\*\*\*\*mnop"$/m); // the runtime settings, as comments
    for (const secret of [MASTER, DB_PASSWORD]) assert.ok(!stdout.includes(secret) && !stderr.includes(secret), `${secret} leaked`);
    const lines = stderr.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(/ \(.*$/, '').replace(/: general_settings.*/, '')),
      [
        'warning: accepted, not supported: helix_settings.semantic_cache.max_cache_size',
        'warning: accepted, not supported: helix_settings.cost_optimization.auto_scale',
        'warning: accepted, not supported: helix_settings.analytics.export_s3',
        'warning: not used by Helix',
        `${SPEC}: ok, 4 warnings`,
      ],
    );
    assert.match(lines[3]!, /general_settings\.database_url, litellm_settings\.cache_params$/);
  });

  void it('checks the file the gateway would load (HELIX_CONFIG) when none is given', async () => {
    const file = tempFile('model_list:\n  - model_name: echo\n    litellm_params: { model: mock/echo }\nhelix_settings:\n  semantic_cache: false\n');
    const { code, stdout, stderr } = await helixConfig(['check'], { HELIX_CONFIG: file });
    assert.equal(code, 0, stderr);
    const effective = parse(stdout) as { model_list: Array<{ model_name: string }>; helix_settings: { semantic_cache: { enabled: boolean } } };
    assert.deepEqual(effective.model_list.map((m) => m.model_name), ['echo']);
    assert.equal(effective.helix_settings.semantic_cache.enabled, false);
    assert.equal(stderr, `${file}: ok\n`);
  });

  void it('checks the built-in config without HELIX_CONFIG', async () => {
    const { code, stdout, stderr } = await helixConfig(['check'], {});
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^# effective config of the built-in config \(HELIX_CONFIG is not set\)/);
    assert.deepEqual((parse(stdout) as { model_list: Array<{ model_name: string }> }).model_list.map((m) => m.model_name), ['mock/echo', 'mock/fixed', 'mock/slow']);
    assert.equal(stderr, 'built-in config: ok\n');
  });

  void it('exits 1 naming every error, and prints no config', async () => {
    const file = tempFile('helix_settings:\n  semantc_cache: { enabled: true }\n  pii_protection: { action: shred }\ngeneral_settings:\n  master_key: ${NO_SUCH_MASTER_KEY}\n');
    const { code, stdout, stderr } = await helixConfig(['check', file], {});
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^error: invalid .*config\.yaml:/);
    assert.match(stderr, /helix_settings\.semantc_cache: unknown setting \(did you mean semantic_cache\?\)/);
    assert.match(stderr, /general_settings\.master_key: environment variable NO_SUCH_MASTER_KEY is not set/);
    assert.match(stderr, /helix_settings\.pii_protection\.action/);
  });

  void it("exits 1 on a file that cannot be read or parsed, and on the spec's config without its master key variable", async () => {
    const missing = await helixConfig(['check', '/nonexistent/helix.yaml'], {});
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: cannot read config \/nonexistent\/helix\.yaml/);
    const broken = await helixConfig(['check', tempFile('model_list: [\n')], {});
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /YAML syntax error/);
    const unset = await helixConfig(['check', SPEC], {});
    assert.equal(unset.code, 1);
    assert.match(unset.stderr, /general_settings\.master_key: environment variable MASTER_KEY is not set/);
  });

  void it('exits 1 with its usage on anything else', async () => {
    for (const args of [[], ['lint'], ['check', 'a.yaml', 'b.yaml']]) {
      const { code, stderr } = await helixConfig(args, {});
      assert.equal(code, 1, args.join(' '));
      assert.match(stderr, /usage: helix config check \[file\]/);
    }
  });
});
