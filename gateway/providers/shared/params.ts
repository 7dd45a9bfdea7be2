// Reading a deployment's litellm_params: secrets given as `os.environ/NAME`, env-var fallbacks, extra headers.
import type { LitellmParams } from '../../../schemas/config.ts';
import { UpstreamError } from '../types.ts';

/** `os.environ/NAME` → the variable's value (the config loader normally resolves these; this is a safety net). */
export function resolveEnvRef(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^os\.environ\/(.+)$/.exec(value);
  return m ? env[m[1]!] || undefined : value;
}

/** The first non-empty environment variable among `names`. */
export function firstEnv(names: readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of names ?? []) {
    const v = env[name];
    if (v) return v;
  }
  return undefined;
}

/** A string-valued param (`api_base`, `api_key`, …), env refs resolved, else the first env fallback. */
export function stringParam(params: LitellmParams, key: string, envFallback?: readonly string[]): string | undefined {
  const raw = (params as Record<string, unknown>)[key];
  return resolveEnvRef(typeof raw === 'string' ? raw : undefined) ?? firstEnv(envFallback);
}

/** Like stringParam, but a missing value is a configuration error (500: another deployment may be fine). */
export function requiredParam(params: LitellmParams, key: string, provider: string, envFallback?: readonly string[]): string {
  const v = stringParam(params, key, envFallback);
  if (v === undefined) {
    const env = envFallback?.length ? ` (or set ${envFallback.join(' / ')})` : '';
    throw new UpstreamError(500, `${provider}: litellm_params.${key} is required for model "${params.model}"${env}`, { code: 'config_error' });
  }
  return v;
}

/** `litellm_params.extra_headers` / `headers`: string-valued entries only. */
export function extraHeaders(params: LitellmParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['headers', 'extra_headers']) {
    const h = (params as Record<string, unknown>)[key];
    if (typeof h !== 'object' || h === null || Array.isArray(h)) continue;
    for (const [name, value] of Object.entries(h)) if (typeof value === 'string') out[name.toLowerCase()] = resolveEnvRef(value) ?? value;
  }
  return out;
}
