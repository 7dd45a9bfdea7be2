// Loads and validates the YAML config (HELIX_CONFIG) and the process environment. A file goes through: YAML read as
// LiteLLM reads it (config/yaml.ts) with its `include:` files merged in (config/includes.ts), environment
// references resolved (config/env-refs.ts), one schema-driven pass (config/normalise.ts: boolean shorthands, empty
// values, unknown keys), the keys of the product spec and LiteLLM's litellm_settings applied (config/borrowed-keys.ts),
// defaults, validation. Errors name the path and problem, all at once; what loads with a caveat becomes a warning
// (docs/config.md).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { HelixConfigFile, LITELLM_SECTIONS, type RuntimeEnv } from '../schemas/config.ts';
import { LITELLM_CALLBACK_KEYS, namesOtelCallback } from '../schemas/config/litellm-settings.ts';
import { logger } from './logger.ts';
import { resolveEnvRefs, withFileVariables } from './config/env-refs.ts';
import { normaliseConfig } from './config/normalise.ts';
import { INERT_KEYS, TAKEN_KEYS, applyBorrowedKeys, unsupportedKeys } from './config/borrowed-keys.ts';
import { editDistance } from './config/nearest.ts';
import { describeSchemaError } from './config/schema-errors.ts';
import { parseConfigYaml } from './config/yaml.ts';
import { mergeIncludes } from './config/includes.ts';
import { WILDCARD_WHY, wildcardEntries } from './config/wildcards.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface HelixConfig extends HelixConfigFile {
  env: RuntimeEnv;
}

/** Something the config asks for that Helix accepts but does not do; `paths` are the keys concerned. */
export interface ConfigWarning {
  message: string;
  paths: string[];
}

const MOCK_ONLY: unknown = {
  model_list: [
    { model_name: 'mock/echo', litellm_params: { model: 'mock/echo' } },
    { model_name: 'mock/fixed', litellm_params: { model: 'mock/fixed' } },
    { model_name: 'mock/slow', litellm_params: { model: 'mock/fixed', mock_latency_ms: 1000 } },
  ],
};

const MAX_ERRORS_SHOWN = 12;

const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/**
 * A top-level key that is Helix's section misspelt: an error, where another unknown section is only unused. Close
 * means a couple of edits away (`helix_setings`); LiteLLM's own sections are never taken for it (`files_settings`).
 */
const isMisspeltHelixSection = (path: string) =>
  /^[^.[]+$/.test(path) &&
  !LITELLM_SECTIONS.includes(path) &&
  (path.toLowerCase().startsWith('helix') || editDistance(path.slice(0, 64).toLowerCase(), 'helix_settings') <= 2);

/** A JSON pointer (`/model_list/0/litellm_params`) as the file's readers write it (`model_list[0].litellm_params`). */
const dottedPath = (pointer: string) =>
  pointer.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~')).reduce((path, k) => (/^\d+$/.test(k) ? `${path}[${k}]` : path ? `${path}.${k}` : k), '') || '(root)';

/** One error per unset variable, however many values refer to it (a LiteLLM config repeats `os.environ/…` keys). */
function groupByMessage(refs: ReadonlyArray<{ path: string; message: string }>): string[] {
  const paths = new Map<string, string[]>();
  for (const { path, message } of refs) paths.set(message, [...(paths.get(message) ?? []), path]);
  return [...paths].map(([message, [first, ...more]]) => {
    if (more.length === 0) return `${first}: ${message}`;
    const listed = more.slice(0, 3).join(', ') + (more.length > 3 ? `, … ${more.length - 3} more` : '');
    return `${first} (and ${listed}): ${message}`;
  });
}

/** The config file's tree validated, defaults filled in, with its warnings. Throws ConfigError listing every error. */
export function checkConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): { file: HelixConfigFile; warnings: ConfigWarning[] } {
  const { tree: resolved, unresolved } = resolveEnvRefs(raw ?? {}, withFileVariables(raw, env));
  if (typeof resolved !== 'object' || resolved === null || Array.isArray(resolved)) {
    throw new ConfigError(`invalid ${source}: expected a mapping of sections (model_list, router_settings, general_settings, helix_settings, …)`);
  }
  const shaped = normaliseConfig(resolved, HelixConfigFile, TAKEN_KEYS);
  const misspelt = shaped.unused.filter((u) => isMisspeltHelixSection(u.path));
  // A LiteLLM callback setting naming "otel" is read (it turns OpenTelemetry on); other callbacks stay unused.
  const readCallback = (path: string) => LITELLM_CALLBACK_KEYS.some((k) => path === `litellm_settings.${k}` && namesOtelCallback((resolved as { litellm_settings?: Record<string, unknown> }).litellm_settings?.[k]));
  const unused = shaped.unused.filter((u) => !misspelt.includes(u) && !readCallback(u.path));
  const errors = [...shaped.errors, ...misspelt.map((u) => `${u.path}: unknown section (did you mean helix_settings?)`)];
  // A reference to an unset variable matters only where Helix reads the value (a file variable only where the file
  // refers to it, and then that reference is the error).
  const inert = [...unused.map((u) => u.path), ...INERT_KEYS, 'environment_variables'];
  const isInert = (path: string) => inert.some((p) => isUnder(path, p));
  errors.push(...groupByMessage(unresolved.filter((u) => !isInert(u.path))));
  // An inert value the schema still checks (`dashboard.port: ${PORT}`) fails as the unset variable it is.
  const unsetInert = new Map(unresolved.filter((u) => isInert(u.path)).map((u) => [u.path, u.message]));

  const tree = Value.Convert(HelixConfigFile, shaped.tree) as Record<string, unknown>;
  errors.push(...applyBorrowedKeys(tree, shaped.taken, new Set(unresolved.map((u) => u.path))));
  const file = Value.Default(HelixConfigFile, tree);
  const failed = new Set<string>();
  for (const e of Value.Errors(HelixConfigFile, file)) {
    const path = dottedPath(e.path);
    // One error per setting: the first says what is wrong (a missing `litellm_params` is not also "not an object").
    if (failed.has(path)) continue;
    failed.add(path);
    errors.push(`${path}: ${unsetInert.get(path) ?? describeSchemaError(e)}`);
  }
  if (errors.length > 0) {
    const more = errors.length > MAX_ERRORS_SHOWN ? `\n  … and ${errors.length - MAX_ERRORS_SHOWN} more` : '';
    throw new ConfigError(`invalid ${source}:\n${errors.slice(0, MAX_ERRORS_SHOWN).map((e) => `  ${e}`).join('\n')}${more}`);
  }

  const warnings: ConfigWarning[] = unsupportedKeys(file, shaped.taken).map(({ path, why }) => ({ message: `accepted, not supported: ${path} (${why})`, paths: [path] }));
  const wildcards = wildcardEntries((file as HelixConfigFile).model_list);
  if (wildcards.length > 0) warnings.push({ message: `accepted, not supported: ${wildcards.join(', ')} (${WILDCARD_WHY})`, paths: wildcards });
  if (unused.length > 0) {
    warnings.push({ message: `not used by Helix (kept, no effect): ${unused.map((u) => `${u.path}${u.hint}`).join(', ')}`, paths: unused.map((u) => u.path) });
  }
  return { file: file as HelixConfigFile, warnings };
}

/** The config file's tree validated, defaults filled in (warnings dropped: for tests and tools that build configs). */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): HelixConfigFile {
  return checkConfig(raw, env, source).file;
}

/** Every environment variable Helix processes read (docker-compose.yml is checked against this list). */
export const ENV_VARS = [
  'HELIX_CONFIG', 'HELIX_PORT', 'HELIX_HOST', 'HELIX_KAFKA_BROKERS', 'HELIX_REDIS_URL', 'CLICKHOUSE_URL', 'HELIX_CLICKHOUSE_DATABASE',
  'HELIX_CLICKHOUSE_CLUSTER',
  'HELIX_DATA_DIR', 'HELIX_QUERY_URL', 'HELIX_QUERY_PORT', 'HELIX_MASTER_KEY', 'HELIX_TOPIC_PREFIX', 'HELIX_LOG_LEVEL', 'HELIX_CONSUMERS',
  'HELIX_MODEL_DIR', 'HELIX_CONSUMERS_METRICS_PORT', 'HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED',
  'HELIX_TOPIC_RETENTION_DAYS', 'HELIX_CACHE_FILL_RETENTION_DAYS', 'HELIX_DEAD_LETTER_RETENTION_DAYS',
  'HELIX_KAFKA_REPLICATION_FACTOR', 'HELIX_KAFKA_MIN_INSYNC_REPLICAS',
] as const;

export function runtimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const port = Number(env.HELIX_PORT ?? 4000);
  const queryServerPort = Number(env.HELIX_QUERY_PORT ?? 8124);
  return {
    port,
    host: env.HELIX_HOST ?? '127.0.0.1',
    kafkaBrokers: (env.HELIX_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((s) => s.trim()).filter(Boolean),
    redisUrl: env.HELIX_REDIS_URL ?? 'redis://127.0.0.1:6379',
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    clickhouseDatabase: env.HELIX_CLICKHOUSE_DATABASE ?? 'helix',
    clickhouseCluster: env.HELIX_CLICKHOUSE_CLUSTER || undefined,
    dataDir: resolve(env.HELIX_DATA_DIR ?? '.data'),
    queryServerUrl: env.HELIX_QUERY_URL ?? `http://127.0.0.1:${queryServerPort}`,
    queryServerPort,
    masterKey: env.HELIX_MASTER_KEY || undefined,
    allowUnauthenticated: /^(1|true|yes)$/i.test(env.HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED ?? ''),
    topicPrefix: env.HELIX_TOPIC_PREFIX ?? '',
  };
}

/** The file the gateway and the consumers load: HELIX_CONFIG; unset, the built-in mock models. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.HELIX_CONFIG || undefined;
}

function readYamlFile(path: string): { tree: unknown; notes: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  try {
    return parseConfigYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: YAML syntax error: ${(err as Error).message}`);
  }
}

/** Reads and checks a config file (`undefined`: the built-in config); the environment comes from `env`. */
export function readConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): { config: HelixConfig; warnings: ConfigWarning[]; source: string } {
  let raw: unknown = MOCK_ONLY;
  let yamlNotes: string[] = [];
  if (path) {
    const read = readYamlFile(path);
    try {
      ({ tree: raw, notes: yamlNotes } = mergeIncludes(path, read, readYamlFile));
    } catch (err) {
      throw err instanceof ConfigError ? err : new ConfigError((err as Error).message);
    }
  }
  const source = path ?? 'built-in config';
  const { file, warnings } = checkConfig(raw, env, source);
  if (yamlNotes.length > 0) warnings.unshift({ message: `YAML: ${yamlNotes.join('; ')}`, paths: [] });
  const runtime = runtimeEnv(withFileVariables(raw, env));
  // Env overrides secrets in the file.
  if (runtime.masterKey === undefined && file.general_settings.master_key) runtime.masterKey = file.general_settings.master_key;
  if (file.general_settings.dangerously_allow_unauthenticated) runtime.allowUnauthenticated = true;
  return { config: { ...file, env: runtime }, warnings, source };
}

/** One structured log line per warning (the unused keys are one warning listing them all). */
export function logConfigWarnings(source: string, warnings: readonly ConfigWarning[]): void {
  for (const w of warnings) logger.warn({ config: source, paths: w.paths }, w.message);
}

/** Reads HELIX_CONFIG if set; without a file Helix serves the built-in mock models only. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { logWarnings?: boolean } = {}): HelixConfig {
  const { config, warnings, source } = readConfig(configPath(env), env);
  if (opts.logWarnings) logConfigWarnings(source, warnings);
  return config;
}
