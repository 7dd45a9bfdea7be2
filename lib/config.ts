// Loads and validates the YAML config (HELIX_CONFIG) and the process environment. Errors name the path and problem.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { HelixConfigFile, type RuntimeEnv } from '../schemas/config.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface HelixConfig extends HelixConfigFile {
  env: RuntimeEnv;
}

const MOCK_ONLY: unknown = {
  model_list: [
    { model_name: 'mock/echo', litellm_params: { model: 'mock/echo' } },
    { model_name: 'mock/fixed', litellm_params: { model: 'mock/fixed' } },
    { model_name: 'mock/slow', litellm_params: { model: 'mock/fixed', mock_latency_ms: 1000 } },
  ],
};

/** LiteLLM's `os.environ/NAME` references, resolved anywhere in the tree. */
function resolveEnvRefs(node: unknown, path: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof node === 'string' && node.startsWith('os.environ/')) {
    const name = node.slice('os.environ/'.length);
    const value = env[name];
    if (value === undefined) throw new ConfigError(`${path}: environment variable ${name} is not set`);
    return value;
  }
  if (Array.isArray(node)) return node.map((v, i) => resolveEnvRefs(v, `${path}[${i}]`, env));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveEnvRefs(v, path ? `${path}.${k}` : k, env)]));
  }
  return node;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): HelixConfigFile {
  const tree = resolveEnvRefs(raw ?? {}, '', env);
  const withDefaults = Value.Default(HelixConfigFile, Value.Clone(tree));
  const errors = [...Value.Errors(HelixConfigFile, withDefaults)];
  if (errors.length > 0) {
    const lines = errors.slice(0, 8).map((e) => `  ${e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)'}: ${e.message}`);
    throw new ConfigError(`invalid ${source}:\n${lines.join('\n')}`);
  }
  return withDefaults as HelixConfigFile;
}

/** Every environment variable Helix processes read (docker-compose.yml is checked against this list). */
export const ENV_VARS = [
  'HELIX_CONFIG', 'HELIX_PORT', 'HELIX_HOST', 'HELIX_KAFKA_BROKERS', 'HELIX_REDIS_URL', 'CLICKHOUSE_URL', 'HELIX_CLICKHOUSE_DATABASE',
  'HELIX_DATA_DIR', 'HELIX_QUERY_URL', 'HELIX_QUERY_PORT', 'HELIX_MASTER_KEY', 'HELIX_TOPIC_PREFIX', 'HELIX_LOG_LEVEL', 'HELIX_CONSUMERS',
  'HELIX_MODEL_DIR', 'HELIX_CONSUMERS_METRICS_PORT', 'HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED',
  'HELIX_TOPIC_RETENTION_DAYS', 'HELIX_CACHE_FILL_RETENTION_DAYS', 'HELIX_DEAD_LETTER_RETENTION_DAYS',
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
    dataDir: resolve(env.HELIX_DATA_DIR ?? '.data'),
    queryServerUrl: env.HELIX_QUERY_URL ?? `http://127.0.0.1:${queryServerPort}`,
    queryServerPort,
    masterKey: env.HELIX_MASTER_KEY || undefined,
    allowUnauthenticated: /^(1|true|yes)$/i.test(env.HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED ?? ''),
    topicPrefix: env.HELIX_TOPIC_PREFIX ?? '',
  };
}

/** Reads HELIX_CONFIG if set; without a file Helix serves the built-in mock models only. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HelixConfig {
  const path = env.HELIX_CONFIG;
  let raw: unknown = MOCK_ONLY;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read HELIX_CONFIG=${path}: ${(err as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError(`${path}: YAML syntax error: ${(err as Error).message}`);
    }
  }
  const file = parseConfig(raw, env, path ?? 'built-in config');
  const runtime = runtimeEnv(env);
  // Env overrides secrets in the file.
  if (runtime.masterKey === undefined && file.general_settings.master_key) runtime.masterKey = file.general_settings.master_key;
  if (file.general_settings.dangerously_allow_unauthenticated) runtime.allowUnauthenticated = true;
  return { ...file, env: runtime };
}
