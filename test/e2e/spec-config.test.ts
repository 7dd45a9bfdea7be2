// The product spec's production config (test/fixtures/config/spec-production.yaml, the spec's text unchanged) runs a
// real gateway and consumers, adapted only through environment variables: the master key comes from ${MASTER_KEY},
// both processes log the config's warnings once at start-up, and requests go through Redis (virtual keys), Kafka and
// ClickHouse (the audit trail). The spec's model_list is empty, so a chat request is a clean 404.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.ts';
import { startPipeline, helixSql, waitFor, type Pipeline } from '../helpers/processes.ts';

const MASTER = 'sk-spec-production-master-key';

interface LogLine {
  level: number;
  msg: string;
  config?: string;
  paths?: string[];
}

const warningsIn = (log: string): LogLine[] =>
  log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.level === 40 && l.config !== undefined);

describe("the spec's production config through the real stack", () => {
  let p: Pipeline;

  before(async () => {
    p = await startPipeline({
      HELIX_CONFIG: join(repoRoot, 'test/fixtures/config/spec-production.yaml'),
      HELIX_MASTER_KEY: '', // the master key is the config's ${MASTER_KEY}
      MASTER_KEY: MASTER,
      DATABASE_URL: 'postgres://helix:unused@127.0.0.1:1/helix',
      ANALYTICS_S3_BUCKET: 'helix-analytics',
    });
  });
  after(async () => {
    await p?.stop();
  });

  it('logs the warnings once at start-up, in the gateway and in the consumers', async () => {
    const expected = [
      ['helix_settings.semantic_cache.max_cache_size'],
      ['helix_settings.cost_optimization.auto_scale'],
      ['helix_settings.analytics.export_s3'],
      ['general_settings.database_url', 'litellm_settings.cache_params'],
    ];
    for (const proc of [p.gateway, p.consumers]) {
      const warnings = warningsIn(proc.log());
      assert.deepEqual(warnings.map((w) => w.paths), expected, proc.log().slice(-3000));
      assert.ok(warnings.every((w) => w.config?.endsWith('spec-production.yaml')));
      assert.match(warnings[3]!.msg, /^not used by Helix/);
    }
  });

  it('authenticates with the master key from ${MASTER_KEY}, issues a virtual key from Redis, answers an unknown model with 404', async () => {
    const anonymous = await fetch(`${p.gatewayUrl}/v1/models`);
    assert.equal(anonymous.status, 401);

    const generated = await fetch(`${p.gatewayUrl}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key_alias: 'spec-config' }),
    });
    assert.equal(generated.status, 200, await generated.clone().text());
    const { key } = (await generated.json()) as { key: string };

    const models = await fetch(`${p.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(models.status, 200);
    assert.deepEqual(((await models.json()) as { data: unknown[] }).data, []);

    const chat = await fetch(`${p.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] }),
    });
    assert.equal(chat.status, 404);
    assert.equal(((await chat.json()) as { error: { code: string } }).error.code, 'model_not_found');
  });

  it('lands the admin action in ClickHouse through Kafka, queried with the config master key', async () => {
    const rows = await waitFor('the audit row', async () => {
      const found = await helixSql<{ action: string; actor: string }>(p.env, "SELECT action, actor FROM helix.audit_events WHERE target_key_alias = 'spec-config'");
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(rows, [{ action: 'key.create', actor: 'master' }]);
  });
});
