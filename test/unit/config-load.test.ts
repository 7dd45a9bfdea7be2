// Config as written: the product spec's two examples (test/fixtures/config/, copied from the spec unchanged) load
// as-is with exactly the expected effective values and warnings; boolean shorthands; ${VAR} forms next to
// os.environ/; a LiteLLM config with sections Helix does not know loads with one warning listing them; a misspelt
// helix_settings key is an error naming its path.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkConfig, readConfig, ConfigError, type ConfigWarning } from '../../lib/config.ts';
import { repoRoot } from '../../lib/paths.ts';

const fixture = (name: string) => join(repoRoot, 'test/fixtures/config', name);
const SPEC_ENV = { MASTER_KEY: 'sk-spec-master-0123456789', DATABASE_URL: 'postgres://helix:pw@db:5432/helix', ANALYTICS_S3_BUCKET: 'helix-analytics' };

/** The warnings' paths, one list per warning line. */
const warningPaths = (warnings: ConfigWarning[]) => warnings.map((w) => w.paths);

function configError(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    checkConfig(raw, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

void describe("the spec's helix_config.yaml", () => {
  void it('loads as written: shorthands enabled with defaults, the dashboard on, no warnings', () => {
    const { config, warnings } = readConfig(fixture('spec-helix-config.yaml'), {});
    const h = config.helix_settings;
    assert.deepEqual(h.cost_optimization.model_swapping, { enabled: true, rules: [] });
    assert.deepEqual(h.cost_optimization.intelligent_routing, { enabled: true, max_prompt_tokens: 256, max_messages: 4, families: {} });
    assert.deepEqual(h.cost_optimization.budget_alerts, { enabled: true, thresholds: [0.5, 0.8, 1] });
    assert.equal(h.semantic_cache.enabled, true);
    assert.equal(h.semantic_cache.similarity_threshold, 0.88);
    assert.equal(h.semantic_cache.embedding_model, 'all-MiniLM-L6-v2');
    assert.equal(h.semantic_cache.redis_index, 'helix:semantic:index');
    assert.equal(h.pii_protection.enabled, true);
    assert.deepEqual(h.pii_protection.entities, ['CREDIT_CARD', 'EMAIL_ADDRESS', 'PHONE_NUMBER', 'API_KEY', 'PASSWORD']);
    assert.equal(h.pii_protection.action, 'redact');
    assert.deepEqual(h.dashboard, { enabled: true, port: 8501, refresh_interval: 5 });
    assert.deepEqual(config.model_list, []);
    assert.deepEqual(warnings, []);
  });
});

void describe("the spec's production.yaml", () => {
  void it('loads as written with its variables set: values mapped, four warnings', () => {
    const { config, warnings } = readConfig(fixture('spec-production.yaml'), SPEC_ENV);
    const h = config.helix_settings;
    assert.equal(config.env.masterKey, SPEC_ENV.MASTER_KEY);
    assert.equal(config.general_settings.master_key, SPEC_ENV.MASTER_KEY);
    assert.deepEqual(config.model_list, []); // `model_list:` with only a comment under it
    assert.equal(h.semantic_cache.enabled, true); // also litellm_settings.cache: true
    assert.equal(h.semantic_cache.similarity_threshold, 0.9);
    // strict_mode: fail closed and scan the output too; log_all_incidents: true is what Helix always does.
    assert.equal(h.pii_protection.enabled, true);
    assert.equal(h.pii_protection.on_error, 'block');
    assert.equal(h.pii_protection.scan_output, true);
    assert.equal('strict_mode' in h.pii_protection, false);
    assert.equal(h.cost_optimization.model_swapping.enabled, true);
    assert.equal(h.cost_optimization.budget_alerts.enabled, true);
    assert.equal(h.cost_optimization.intelligent_routing.enabled, false);
    assert.equal(h.analytics.enabled, true);
    assert.equal(h.analytics.retention_days, 90);
    assert.equal(h.analytics.export_s3, 'helix-analytics');
    assert.deepEqual(warningPaths(warnings), [
      ['helix_settings.semantic_cache.max_cache_size'],
      ['helix_settings.cost_optimization.auto_scale'],
      ['helix_settings.analytics.export_s3'],
      ['general_settings.database_url', 'litellm_settings.cache_params'],
    ]);
    for (const w of warnings.slice(0, 3)) assert.match(w.message, /^accepted, not supported: \S+ \(.+\)$/);
    assert.equal(warnings[3]!.message, 'not used by Helix (kept, no effect): general_settings.database_url, litellm_settings.cache_params');
  });

  void it('needs only the variables Helix reads: an unset one in a setting it does not use is no error', () => {
    const { config, warnings } = readConfig(fixture('spec-production.yaml'), { MASTER_KEY: SPEC_ENV.MASTER_KEY });
    assert.equal(config.env.masterKey, SPEC_ENV.MASTER_KEY);
    assert.equal(config.helix_settings.analytics.export_s3, '${ANALYTICS_S3_BUCKET}');
    assert.equal((config.general_settings as Record<string, unknown>).database_url, '${DATABASE_URL}');
    assert.equal(warnings.length, 4);
  });

  void it('refuses to load without the master key variable, naming the path and the variable', () => {
    assert.throws(() => readConfig(fixture('spec-production.yaml'), {}), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /general_settings\.master_key: environment variable MASTER_KEY is not set/);
      assert.doesNotMatch(err.message, /DATABASE_URL|ANALYTICS_S3_BUCKET/);
      return true;
    });
  });
});

void describe('boolean shorthands', () => {
  void it('mean the section or feature enabled (true) or disabled (false), everywhere a schema has an enabled flag', () => {
    const { file, warnings } = checkConfig({
      helix_settings: {
        pii_protection: false,
        semantic_cache: true,
        budgets: false,
        auth: { jwt: false },
        cost_optimization: { model_swapping: false, intelligent_routing: true },
        analytics: { anomalies: { detectors: { spend_spike: false, token_spike: true }, budget_alerts: false } },
      },
    });
    const h = file.helix_settings;
    assert.equal(h.pii_protection.enabled, false);
    assert.equal(h.pii_protection.action, 'redact'); // the rest from defaults
    assert.equal(h.semantic_cache.enabled, true);
    assert.equal(h.budgets.enabled, false);
    assert.equal(h.auth.jwt.enabled, false);
    assert.equal(h.cost_optimization.model_swapping.enabled, false);
    assert.equal(h.cost_optimization.intelligent_routing.enabled, true);
    assert.equal(h.analytics.anomalies.detectors.spend_spike.enabled, false);
    assert.deepEqual(h.analytics.anomalies.detectors.spend_spike.dimensions, ['key', 'team']);
    assert.equal(h.analytics.anomalies.detectors.token_spike.enabled, true);
    assert.equal(h.analytics.anomalies.budget_alerts.enabled, false);
    assert.deepEqual(warnings, []);
  });

  void it('is not accepted where a section has no enabled flag', () => {
    assert.match(configError({ helix_settings: { events: true } }), /helix_settings\.events: Expected object/);
  });

  void it('treats a key written without a value as absent', () => {
    const { file } = checkConfig({ model_list: null, router_settings: null, helix_settings: { semantic_cache: null, pii_protection: { action: null } } });
    assert.deepEqual(file.model_list, []);
    assert.equal(file.router_settings.num_retries, 2);
    assert.equal(file.helix_settings.semantic_cache.enabled, true);
    assert.equal(file.helix_settings.pii_protection.action, 'redact');
  });
});

void describe('environment variables', () => {
  const env = { SET: 'value', EMPTY: '', PORT: '6379', RETRIES: '5', ON: 'false', KEY: '12345' };
  const resolve = (value: string) => (checkConfig({ general_settings: { probe: value } }, env).file.general_settings as Record<string, unknown>).probe;

  void it('resolves ${VAR}, ${VAR:-default}, ${VAR-default} inside any string, and $${ as a literal ${', () => {
    assert.equal(resolve('${SET}'), 'value');
    assert.equal(resolve('${EMPTY}'), '');
    assert.equal(resolve('pre-${SET}-post/${PORT}'), 'pre-value-post/6379');
    assert.equal(resolve('${UNSET:-fallback}'), 'fallback');
    assert.equal(resolve('${EMPTY:-fallback}'), 'fallback');
    assert.equal(resolve('${SET:-fallback}'), 'value');
    assert.equal(resolve('${UNSET-fallback}'), 'fallback');
    assert.equal(resolve('${EMPTY-fallback}'), '');
    assert.equal(resolve('${UNSET:-}'), '');
    assert.equal(resolve('$${SET} and $${UNSET}'), '${SET} and ${UNSET}');
    assert.equal(resolve('os.environ/SET'), 'value');
    assert.equal(resolve('no $reference here'), 'no $reference here');
  });

  void it('converts a resolved value to the type the setting expects', () => {
    const { file } = checkConfig(
      {
        model_list: [{ model_name: 'm', litellm_params: { model: 'openai/gpt-4o', api_key: '${KEY}', rpm: '${RETRIES}' } }],
        router_settings: { num_retries: '${RETRIES}' },
        helix_settings: { log_prompts: '${ON}', analytics: { retention_days: '${DAYS:-30}' }, pii_protection: { strict_mode: '${STRICT:-true}' } },
      },
      env,
    );
    assert.equal(file.model_list[0]!.litellm_params.api_key, '12345');
    assert.equal(file.model_list[0]!.litellm_params.rpm, 5);
    assert.equal(file.router_settings.num_retries, 5);
    assert.equal(file.helix_settings.log_prompts, false);
    assert.equal(file.helix_settings.analytics.retention_days, 30);
    assert.equal(file.helix_settings.pii_protection.scan_output, true);
  });

  void it('is an error, naming the path and the variable, where Helix reads an unset one', () => {
    const message = configError(
      {
        model_list: [{ model_name: 'm', litellm_params: { model: 'openai/gpt-4o', api_key: 'os.environ/NO_SUCH_KEY' } }],
        general_settings: { master_key: '${NO_MASTER}' },
        helix_settings: { pii_protection: { fingerprint_secret: '${NO_SECRET:?set the PII fingerprint key}', hmac_secret_env: '${EMPTY:?must not be empty}' } },
        router_settings: { routing_strategy: '${NO_STRATEGY?pick one}' },
      },
      env,
    );
    assert.match(message, /model_list\[0\]\.litellm_params\.api_key: environment variable NO_SUCH_KEY is not set/);
    assert.match(message, /general_settings\.master_key: environment variable NO_MASTER is not set/);
    assert.match(message, /helix_settings\.pii_protection\.fingerprint_secret: NO_SECRET: set the PII fingerprint key/);
    assert.match(message, /helix_settings\.pii_protection\.hmac_secret_env: EMPTY: must not be empty/);
    assert.match(message, /router_settings\.routing_strategy: NO_STRATEGY: pick one/);
    // `?` without the colon accepts a set but empty variable.
    assert.equal(resolve('${EMPTY?required}'), '');
  });

  void it('refuses a malformed reference', () => {
    assert.match(configError({ general_settings: { master_key: 'a${1BAD}b' } }, env), /general_settings\.master_key: "\$\{1BAD\}" is not a variable reference/);
    assert.match(configError({ general_settings: { master_key: '${SET:x}' } }, env), /is not a variable reference/);
  });

  void it('needs no variable in a section Helix does not use', () => {
    const { warnings } = checkConfig({
      general_settings: { database_url: 'os.environ/NO_DATABASE_URL' },
      guardrails: [{ guardrail_name: 'presidio', litellm_params: { api_key: '${NO_PRESIDIO_KEY}' } }],
    });
    assert.deepEqual(warningPaths(warnings), [['general_settings.database_url', 'guardrails']]);
    // …but a kept value the schema checks still needs it, and the error says so.
    assert.match(configError({ helix_settings: { dashboard: { port: '${NO_DASHBOARD_PORT}' } } }), /helix_settings\.dashboard\.port: environment variable NO_DASHBOARD_PORT is not set/);
  });
});

const LITELLM_CONFIG = {
  model_list: [
    {
      model_name: 'gpt-4o',
      litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-x', extra_headers: { 'x-team': 'a' }, organization: 'org-1', max_retries: 2 },
      model_info: { id: 'abc', mode: 'chat' },
    },
  ],
  router_settings: { routing_strategy: 'least-busy', redis_host: 'redis', enable_pre_call_checks: true },
  general_settings: { master_key: 'sk-1234', master_kye: 'typo', database_url: 'postgres://x', store_model_in_db: true, alerting: ['slack'] },
  litellm_settings: { drop_params: true, success_callback: ['langfuse'], set_verbose: false, max_end_user_budget: 5 },
  guardrails: [{ guardrail_name: 'pii', litellm_params: { guardrail: 'presidio', mode: 'pre_call' } }],
  environment_variables: { LANGFUSE_HOST: 'http://langfuse' },
  callback_settings: { otel: { message_logging: false } },
};

void describe('a LiteLLM config with sections and settings Helix does not know', () => {
  void it('loads with one warning listing every such path (provider params and model_info excepted)', () => {
    const { file, warnings } = checkConfig(LITELLM_CONFIG);
    assert.equal(file.router_settings.routing_strategy, 'least-busy');
    assert.equal(file.general_settings.master_key, 'sk-1234');
    assert.equal(file.litellm_settings.max_end_user_budget, 5);
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0]!.paths, [
      'router_settings.redis_host',
      'router_settings.enable_pre_call_checks',
      'general_settings.master_kye',
      'general_settings.database_url',
      'general_settings.store_model_in_db',
      'general_settings.alerting',
      'litellm_settings.drop_params',
      'litellm_settings.success_callback',
      'litellm_settings.set_verbose',
      'guardrails',
      'callback_settings',
    ]);
    assert.match(warnings[0]!.message, /^not used by Helix \(kept, no effect\): router_settings\.redis_host, .*general_settings\.master_kye \(did you mean master_key\?\), .*callback_settings$/);
    // Kept as written, for whoever reads the file after Helix.
    assert.deepEqual((file as Record<string, unknown>).guardrails, LITELLM_CONFIG.guardrails);
  });

  void it('reads a callback setting that names "otel" (it turns OpenTelemetry on); other callbacks stay unused', () => {
    const { warnings } = checkConfig({ litellm_settings: { callbacks: ['otel'], success_callback: ['langfuse'] } });
    assert.deepEqual(warningPaths(warnings), [['litellm_settings.success_callback']]);
  });

  void it('honours the litellm_settings Helix knows, where the file does not set them in their Helix place', () => {
    const { file, warnings } = checkConfig({
      router_settings: { timeout: 30 },
      litellm_settings: {
        num_retries: 4,
        request_timeout: 10,
        fallbacks: [{ a: ['b'] }],
        context_window_fallbacks: [{ a: ['long'] }],
        content_policy_fallbacks: [{ a: ['other'] }],
        max_budget: 100,
        budget_duration: '30d',
        cache: false,
      },
    });
    assert.equal(file.router_settings.num_retries, 4);
    assert.equal(file.router_settings.timeout, 30); // router_settings wins
    assert.deepEqual(file.router_settings.fallbacks, [{ a: ['b'] }]);
    assert.deepEqual(file.router_settings.context_window_fallbacks, [{ a: ['long'] }]);
    assert.deepEqual(file.router_settings.content_policy_fallbacks, [{ a: ['other'] }]);
    assert.deepEqual(file.helix_settings.budgets.global, { max_budget: 100, budget_duration: '30d' });
    assert.equal(file.helix_settings.semantic_cache.enabled, false);
    assert.deepEqual(warnings, []);
  });

  void it('refuses a litellm_settings value Helix reads when it has the wrong type', () => {
    assert.match(configError({ litellm_settings: { max_end_user_budget: 'lots' } }), /litellm_settings\.max_end_user_budget: Expected number/);
  });
});

void describe("helix_settings is Helix's own vocabulary", () => {
  void it('refuses a misspelt key, naming its path and the key meant, all errors at once', () => {
    const message = configError({
      helix_settings: { semantc_cache: { enabled: true }, events: { linger: 5 }, pii_protection: { strict: true }, budgets: { teams: { t1: { max_budget: 1, period: '1d' } } } },
    });
    assert.match(message, /helix_settings\.semantc_cache: unknown setting \(did you mean semantic_cache\?\)/);
    assert.match(message, /helix_settings\.events\.linger: unknown setting \(did you mean linger_ms\?\)/);
    assert.match(message, /helix_settings\.pii_protection\.strict: unknown setting \(did you mean strict_mode\?\)/);
    assert.match(message, /helix_settings\.budgets\.teams\.t1\.period: unknown setting/);
  });

  void it('refuses a misspelt helix_settings section', () => {
    assert.match(configError({ helix_setings: { log_prompts: true } }), /helix_setings: unknown section \(did you mean helix_settings\?\)/);
    assert.match(configError({ helix: {} }), /helix: unknown section/);
  });
});

void describe("the spec's other keys", () => {
  void it('warn once each when they ask for what Helix does not do, and not when they ask for what it does', () => {
    const quiet = checkConfig({
      helix_settings: { pii_protection: { log_all_incidents: true, strict_mode: false }, cost_optimization: { auto_scale: false }, analytics: { enabled: true }, dashboard: { enabled: true, port: 8501 } },
    });
    assert.deepEqual(quiet.warnings, []);
    const loud = checkConfig({
      helix_settings: { pii_protection: { log_all_incidents: false }, analytics: { enabled: false }, dashboard: { port: 8502 } },
    });
    assert.deepEqual(warningPaths(loud.warnings), [['helix_settings.pii_protection.log_all_incidents'], ['helix_settings.analytics.enabled'], ['helix_settings.dashboard.port']]);
    assert.match(loud.warnings[2]!.message, /dashboard is served under \/ui\/ on the gateway's own port/);
  });

  void it('let what the file sets explicitly win over strict_mode', () => {
    const { file } = checkConfig({ helix_settings: { pii_protection: { strict_mode: true, scan_output: false } } });
    assert.equal(file.helix_settings.pii_protection.scan_output, false);
    assert.equal(file.helix_settings.pii_protection.on_error, 'block');
  });

  void it('are validated', () => {
    const message = configError({ helix_settings: { pii_protection: { strict_mode: 'yes' }, semantic_cache: { max_cache_size: 'big' }, dashboard: { port: 0 } } });
    assert.match(message, /helix_settings\.pii_protection\.strict_mode: Expected boolean/);
    assert.match(message, /helix_settings\.semantic_cache\.max_cache_size: Expected integer/);
    assert.match(message, /helix_settings\.dashboard\.port: Expected integer to be greater or equal to 1/);
  });
});
