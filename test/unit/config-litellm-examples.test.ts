// LiteLLM's own example configs (test/fixtures/config/litellm/, copied from LiteLLM's repository and documentation)
// load in Helix as written: no error, at most one "not used" warning, and "not supported" warnings only for what
// docs/config.md documents. Then the loader's LiteLLM rules one by one: YAML read as PyYAML reads it, `include:`,
// `environment_variables`, LiteLLM's routing strategy names, its other sections, and errors that name the path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CONFIG_YAML_OUTPUT, parseConfigYaml } from '../../lib/config/yaml.ts';
import { repoRoot } from '../../lib/paths.ts';
import { ConfigError, checkConfig, readConfig, type HelixConfig } from '../../lib/config.ts';
import { maskSecrets } from '../../cli/config.ts';

const DIR = join(repoRoot, 'test/fixtures/config/litellm');
const NOT_USED = 'not used by Helix (kept, no effect): ';
const NOT_SUPPORTED = 'accepted, not supported: ';

/** A value for every variable the fixtures refer to and do not set in their environment_variables. */
function fixtureEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const setInFiles = new Set<string>();
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(join(DIR, name), 'utf8');
    for (const m of text.matchAll(/os\.environ\/([A-Za-z_]\w*)|\$\{([A-Za-z_]\w*)/g)) env[(m[1] ?? m[2])!] = 'test-value';
    const variables = (parse(text) as { environment_variables?: Record<string, unknown> } | null)?.environment_variables ?? {};
    for (const v of Object.keys(variables)) setInFiles.add(v);
  }
  for (const v of setInFiles) delete env[v];
  return env;
}

interface Expectation {
  /** Paths of the "accepted, not supported" warnings (docs/config.md). */
  notSupported?: string[];
  check?(config: HelixConfig): void;
}

const EXAMPLES: Record<string, Expectation> = {
  'proxy_server_config.yaml': {
    notSupported: ['model_list[14]', 'model_list[15]', 'model_list[16]'],
    check(c) {
      assert.equal(c.router_settings.routing_strategy, 'usage-based-routing'); // usage-based-routing-v2
      assert.equal(c.router_settings.num_retries, 5); // litellm_settings.num_retries
      assert.deepEqual(c.router_settings.context_window_fallbacks, [{ 'gpt-3.5-turbo': ['gpt-3.5-turbo-large'] }]);
      assert.equal(c.model_list[7]!.litellm_params.api_version, '2023-06-01-preview');
    },
  },
  'azure_config.yaml': {
    check(c) {
      // `tpm: 20_000` is a number to PyYAML, so it is here.
      assert.deepEqual(c.model_list.map((m) => m.litellm_params.tpm), [20_000, 100_000]);
    },
  },
  'oai_misc_config.yaml': { notSupported: ['model_list[1]', 'model_list[2]', 'model_list[3]'] },
  'proxy_config.yaml': {},
  'wildcard_config.yaml': { notSupported: ['model_list[0]', 'model_list[1]', 'model_list[2]', 'model_list[3]', 'model_list[4]', 'model_list[5]', 'model_list[6]'] },
  'otel_test_config.yaml': { notSupported: ['model_list[5]', 'model_list[6]'] },
  'generic_guardrail_api_config.yaml': {},
  'integration_proxy_config.yaml': {
    check(c) {
      assert.equal(c.helix_settings.semantic_cache.enabled, true); // litellm_settings.cache
    },
  },
  'mcp_e2e_config.yaml': {},
  'docs_all_sections.yaml': {
    notSupported: ['router_settings.routing_strategy', 'model_list[2]', 'model_list[3]'],
    check(c) {
      assert.equal(c.router_settings.routing_strategy, 'simple-shuffle'); // cost-based-routing
      const [openai, azure] = c.model_list;
      // Merged from the `<<: *openai_defaults` anchor; "600" converted where Helix reads a number.
      assert.equal(openai!.litellm_params.rpm, 600);
      assert.equal(openai!.litellm_params.tpm, 100_000);
      assert.equal(azure!.litellm_params.api_key, 'test-value');
      assert.equal(azure!.litellm_params.weight, 2);
      assert.equal(c.router_settings.timeout, 30);
      assert.equal(c.general_settings.max_request_size_mb, 20);
      // environment_variables stand in for variables the process does not set.
      assert.equal((c.litellm_settings as Record<string, { host?: string }>).cache_params!.host, 'localhost');
      assert.deepEqual(c.helix_settings.budgets.global, { max_budget: 100, budget_duration: '30d' });
    },
  },
  'docs_include_root.yaml': {
    check(c) {
      assert.deepEqual(c.model_list.map((m) => m.litellm_params.model), ['openai/gpt-4o']);
    },
  },
};

void describe("LiteLLM's example configs", () => {
  const env = fixtureEnv();
  for (const [name, expected] of Object.entries(EXAMPLES)) {
    void it(`${name} loads with at most one "not used" warning and only documented "not supported" ones`, () => {
      const { config, warnings } = readConfig(join(DIR, name), env);
      const notUsed = warnings.filter((w) => w.message.startsWith(NOT_USED));
      assert.ok(notUsed.length <= 1, JSON.stringify(warnings));
      const others = warnings.filter((w) => !notUsed.includes(w));
      assert.ok(others.every((w) => w.message.startsWith(NOT_SUPPORTED)), JSON.stringify(others));
      assert.deepEqual(others.flatMap((w) => w.paths), expected.notSupported ?? []);
      expected.check?.(config);
    });
  }

  void it('every fixture is exercised here', () => {
    const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'docs_include_models.yaml' && f !== 'langfuse_config.yaml');
    assert.deepEqual(fixtures.sort(), Object.keys(EXAMPLES).sort());
  });

  void it("refuses the one whose model has no litellm_params (LiteLLM requires them too), naming the path", () => {
    assert.throws(() => readConfig(join(DIR, 'langfuse_config.yaml'), env), (e: Error) => e instanceof ConfigError && /model_list\[0\]\.litellm_params: required$/m.test(e.message));
  });
});

function configError(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    checkConfig(raw, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

const MODEL = { model_name: 'm', litellm_params: { model: 'mock/echo' } };

function tempConfig(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'helix-litellm-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return join(dir, Object.keys(files)[0]!);
}

void describe('LiteLLM config rules', () => {
  void it("refuses a wrong type only where Helix reads the value, naming the path; LiteLLM's own keys are never refused", () => {
    assert.match(configError({ model_list: [MODEL], router_settings: { num_retries: 'many' } }), /router_settings\.num_retries: Expected integer/);
    assert.match(configError({ model_list: [{ model_name: 'm', litellm_params: { model: 'mock/echo', tpm: 'lots' } }] }), /model_list\[0\]\.litellm_params\.tpm: Expected number/);
    const { warnings } = checkConfig({ model_list: [MODEL], router_settings: { redis_port: 'not-a-port', retry_policy: 'whatever' }, files_settings: 3 });
    assert.deepEqual(warnings.map((w) => w.paths), [['router_settings.redis_port', 'router_settings.retry_policy', 'files_settings']]);
  });

  void it("takes LiteLLM's routing strategy names; an unknown one is an error listing the names", () => {
    const strategy = (name: string) => checkConfig({ router_settings: { routing_strategy: name } });
    assert.equal(strategy('usage-based-routing-v2').file.router_settings.routing_strategy, 'usage-based-routing');
    assert.deepEqual(strategy('usage-based-routing-v2').warnings, []);
    const lar = strategy('lar1');
    assert.equal(lar.file.router_settings.routing_strategy, 'simple-shuffle');
    assert.match(lar.warnings[0]!.message, /^accepted, not supported: router_settings\.routing_strategy \(Helix routes with simple-shuffle/);
    assert.match(configError({ router_settings: { routing_strategy: 'latency-based' } }), /router_settings\.routing_strategy: "latency-based" is not one of simple-shuffle, .* \(did you mean latency-based-routing\?\)/);
  });

  void it("never takes LiteLLM's sections for a misspelt helix_settings; a near miss still is", () => {
    for (const section of ['files_settings', 'finetune_settings', 'assistant_settings', 'callback_settings', 'credential_list', 'vector_store_registry', 'mcp_servers']) {
      assert.deepEqual(checkConfig({ [section]: [{}] }).warnings[0]!.paths, [section]);
    }
    assert.match(configError({ helix_setings: {} }), /helix_setings: unknown section \(did you mean helix_settings\?\)/);
  });

  void it("lists LiteLLM's own keys as not used without a misleading 'did you mean'", () => {
    const { warnings } = checkConfig({ litellm_settings: { callbacks: ['prometheus'], max_internal_user_budget: 10 }, general_settings: { master_kye: 'x' } });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /litellm_settings\.callbacks, litellm_settings\.max_internal_user_budget, general_settings\.master_kye \(did you mean master_key\?\)$/);
  });

  void it('uses environment_variables for what the process environment does not set', () => {
    const raw = {
      environment_variables: { OPENAI_API_KEY: 'sk-from-file', REDIS_PORT: 6379, FROM_ENV: '${OUTER}', UNSET: '${NOT_SET_ANYWHERE}' },
      model_list: [{ model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o', api_key: 'os.environ/OPENAI_API_KEY', api_base: 'http://${FROM_ENV}:${REDIS_PORT}' } }],
    };
    const params = (env: NodeJS.ProcessEnv) => checkConfig(raw, env).file.model_list[0]!.litellm_params;
    assert.equal(params({ OUTER: 'outer' }).api_key, 'sk-from-file');
    assert.equal(params({ OUTER: 'outer' }).api_base, 'http://outer:6379');
    assert.equal(params({ OUTER: 'outer', OPENAI_API_KEY: 'sk-process' }).api_key, 'sk-process'); // the process wins, as in LiteLLM
    // An unset reference inside environment_variables matters only where the file uses that variable.
    assert.match(configError({ ...raw, general_settings: { master_key: '${UNSET}' } }, { OUTER: 'o' }), /general_settings\.master_key: environment variable UNSET is not set/);
  });

  void it('reads YAML as PyYAML does: 1_000 numbers, yes/on booleans, merge keys; dates stay text; a repeated key warns', () => {
    const file = tempConfig({
      'config.yaml': [
        'defaults: &d { api_key: sk-1, rpm: 1_000 }',
        'model_list:',
        '  - model_name: m',
        '    litellm_params: { <<: *d, model: mock/echo, api_version: 2024-06-01 }',
        'litellm_settings: { cache: yes, drop_params: on, flag: y }',
        'general_settings: { master_key: sk-a, master_key: sk-b }',
      ].join('\n'),
    });
    const { config, warnings } = readConfig(file, {});
    assert.deepEqual(config.model_list[0]!.litellm_params, { api_key: 'sk-1', rpm: 1000, model: 'mock/echo', api_version: '2024-06-01' });
    assert.equal(config.helix_settings.semantic_cache.enabled, true);
    assert.equal((config.litellm_settings as Record<string, unknown>).drop_params, true);
    assert.equal((config.litellm_settings as Record<string, unknown>).flag, 'y');
    assert.equal(config.general_settings.master_key, 'sk-b');
    assert.match(warnings[0]!.message, /^YAML: .*config\.yaml: line 6: a key written twice in one mapping \(the last value counts, as in LiteLLM\)$/);
  });

  void it('writes the effective config so that it reads back the same (strings such as yes, 1_000, 10:30 quoted)', () => {
    const tricky = { a: 'yes', b: 'on', c: '1_000', d: '10:30', e: 'No', f: '00:00', g: '2024-06-01', n: 5, t: true };
    assert.deepEqual(parseConfigYaml(stringify(tricky, CONFIG_YAML_OUTPUT)).tree, tricky);
  });

  void it('refuses a file whose aliases expand without bound, as a YAML error', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) lines.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    assert.throws(() => readConfig(tempConfig({ 'config.yaml': lines.join('\n') }), {}), /YAML syntax error: .*alias/i);
  });

  void it('takes HELIX_* settings from environment_variables too, the process environment first', () => {
    const file = tempConfig({ 'config.yaml': 'environment_variables: { HELIX_PORT: "4123", HELIX_TOPIC_PREFIX: from-file- }\n' });
    assert.equal(readConfig(file, {}).config.env.port, 4123);
    assert.equal(readConfig(file, { HELIX_TOPIC_PREFIX: 'env-' }).config.env.topicPrefix, 'env-');
  });

  void it("merges LiteLLM's include: files relative to the file naming them; lists extend, other values replace", () => {
    const root = tempConfig({
      'config.yaml': 'include: [models/a.yaml]\nmodel_list: [{ model_name: root, litellm_params: { model: mock/echo } }]\nrouter_settings: { num_retries: 1 }\n',
      'models/a.yaml': 'include: [b.yaml, a.yaml]\nmodel_list: [{ model_name: a, litellm_params: { model: mock/echo } }]\n',
      'models/b.yaml': 'model_list: [{ model_name: b, litellm_params: { model: mock/echo } }]\nrouter_settings: { num_retries: 4 }\n',
    });
    const { config, warnings } = readConfig(root, {});
    assert.deepEqual(config.model_list.map((m) => m.model_name), ['root', 'a', 'b']);
    assert.equal(config.router_settings.num_retries, 4);
    assert.deepEqual(warnings, []);
    assert.throws(() => readConfig(tempConfig({ 'config.yaml': 'include: models.yaml\n' }), {}), /include: expected a list of file paths/);
    assert.throws(() => readConfig(tempConfig({ 'config.yaml': 'include: [missing.yaml]\n' }), {}), /cannot read config .*missing\.yaml/);
  });

  void it('config check masks secrets but shows prices per token', () => {
    assert.deepEqual(maskSecrets({ api_key: 'sk-1', input_cost_per_token: 0.000003, aws_session_token: 'tok' }), { api_key: '****', input_cost_per_token: 0.000003, aws_session_token: '****' });
  });
});
