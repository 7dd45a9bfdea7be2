// `helix keys …`: manage virtual keys through a running gateway's admin API (HELIX_URL, HELIX_MASTER_KEY).
import { formatTable } from './format.ts';

export const KEYS_USAGE = `usage: helix keys <command> [options]

  create  [--alias A] [--team T] [--user U] [--models m1,m2] [--rpm N] [--tpm N]
          [--budget USD] [--budget-duration 30d] [--expires 30d|ISO-date] [--metadata JSON]
                                  create a key; the key is printed ONCE (only its hash is stored)
  list    [--team T] [--user U] [--alias A] [--page N] [--size N]
  info    <key|hash|key_id>
  update  <key|hash|key_id> [create's options] [--block|--unblock]   (use "none" to clear, e.g. --rpm none)
  rotate  <key|hash|key_id>       new secret, same id and settings; the old secret stops working
  delete  <key|hash|key_id>... [--alias A]...

  --json prints the raw API response.
environment: HELIX_URL (default http://127.0.0.1:4000), HELIX_MASTER_KEY (required)`;

export class UsageError extends Error {}

export interface Parsed {
  positional: string[];
  flags: Map<string, string[]>;
  bools: Set<string>;
}

const BOOL_FLAGS = new Set(['json', 'block', 'unblock', 'help']);

export function parseArgs(args: string[]): Parsed {
  const out: Parsed = { positional: [], flags: new Map(), bools: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    if (BOOL_FLAGS.has(name) && eq < 0) {
      out.bools.add(name);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    out.flags.set(name, [...(out.flags.get(name) ?? []), value]);
  }
  return out;
}

const CLEAR = new Set(['none', 'null', '']);

/** Key settings from flags; `update` allows "none" to clear a setting. */
export function settingsFromFlags(p: Parsed, allowClear: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const one = (flag: string) => p.flags.get(flag)?.at(-1);
  const set = (flag: string, field: string, convert: (v: string) => unknown) => {
    const v = one(flag);
    if (v === undefined) return;
    if (allowClear && CLEAR.has(v.toLowerCase())) body[field] = null;
    else body[field] = convert(v);
  };
  const num = (flag: string, integer: boolean) => (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${flag} must be a${integer ? 'n integer' : ' number'}, got "${v}"`);
    return n;
  };
  set('alias', 'key_alias', String);
  set('team', 'team_id', String);
  set('user', 'user_id', String);
  set('models', 'models', (v) => v.split(',').map((m) => m.trim()).filter(Boolean));
  set('rpm', 'rpm_limit', num('rpm', true));
  set('tpm', 'tpm_limit', num('tpm', true));
  set('budget', 'max_budget', num('budget', false));
  set('budget-duration', 'budget_duration', String);
  set('expires', 'expires', String);
  set('metadata', 'metadata', (v) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      throw new UsageError('--metadata must be a JSON object');
    }
  });
  if (p.bools.has('block')) body.blocked = true;
  if (p.bools.has('unblock')) body.blocked = false;
  const known = new Set(['alias', 'team', 'user', 'models', 'rpm', 'tpm', 'budget', 'budget-duration', 'expires', 'metadata']);
  for (const flag of p.flags.keys()) if (!known.has(flag)) throw new UsageError(`unknown option --${flag}`);
  return body;
}

export interface ApiOptions {
  baseUrl: string;
  masterKey: string | undefined;
  fetch?: typeof fetch;
}

/** One admin API call with the master key; a non-2xx answer throws with the API's error message. */
export async function api(opts: ApiOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  if (!opts.masterKey) throw new Error('HELIX_MASTER_KEY is not set: the admin API needs the master key');
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(`${opts.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${opts.masterKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new Error(`cannot reach the gateway at ${opts.baseUrl} (${(err as Error).message}); set HELIX_URL`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    throw new Error(`unexpected response from ${path} (${res.status}): ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const message = (json.error as { message?: string } | undefined)?.message ?? text;
    throw new Error(`${res.status}: ${message}`);
  }
  return json;
}

const KEY_COLUMNS = ['key_id', 'key_alias', 'key_name', 'team_id', 'user_id', 'models', 'rpm_limit', 'tpm_limit', 'max_budget', 'expires', 'blocked'];

export function describe(info: Record<string, unknown>): string {
  return Object.entries(info)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `  ${k.padEnd(16)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

/** Runs `helix keys <args>`; returns the exit code. Output goes to stdout, errors to stderr. */
export async function runKeysCommand(args: string[], env: NodeJS.ProcessEnv = process.env, io: { out?: (s: string) => void; err?: (s: string) => void; fetch?: typeof fetch } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const err = io.err ?? ((s: string) => process.stderr.write(s + '\n'));
  const [command, ...rest] = args;
  const opts: ApiOptions = { baseUrl: env.HELIX_URL || 'http://127.0.0.1:4000', masterKey: env.HELIX_MASTER_KEY || undefined, ...(io.fetch ? { fetch: io.fetch } : {}) };
  try {
    const p = parseArgs(rest);
    const json = p.bools.has('json');
    const show = (value: unknown, text: () => string) => out(json ? JSON.stringify(value, null, 2) : text());
    const ref = () => {
      const r = p.positional[0];
      if (!r) throw new UsageError(`helix keys ${command} needs a key, hash or key id`);
      return r;
    };
    switch (command) {
      case 'create': {
        const res = await api(opts, 'POST', '/key/generate', settingsFromFlags(p, false));
        show(res, () => `${String(res.key)}\n\nThis key is shown once; store it now. Only its hash is kept.\n${describe({ ...res, key: undefined, token: undefined })}`);
        return 0;
      }
      case 'list': {
        const q = new URLSearchParams({ return_full_object: 'true' });
        for (const [flag, param] of [['team', 'team_id'], ['user', 'user_id'], ['alias', 'key_alias'], ['page', 'page'], ['size', 'size']] as const) {
          const v = p.flags.get(flag)?.at(-1);
          if (v !== undefined) q.set(param, v);
        }
        const res = await api(opts, 'GET', `/key/list?${q}`);
        const keys = (res.keys as Array<Record<string, unknown>>) ?? [];
        show(res, () => `${formatTable(KEY_COLUMNS, keys)}\n(${keys.length} of ${String(res.total_count)} keys, page ${String(res.current_page)}/${String(res.total_pages)})`);
        return 0;
      }
      case 'info': {
        const res = await api(opts, 'GET', `/key/info?${new URLSearchParams({ key: ref() })}`);
        show(res, () => describe(res.info as Record<string, unknown>));
        return 0;
      }
      case 'update': {
        const body = settingsFromFlags(p, true);
        if (Object.keys(body).length === 0) throw new UsageError('helix keys update: nothing to change (give options such as --rpm 60)');
        const res = await api(opts, 'POST', '/key/update', { key: ref(), ...body });
        const changed = (res.changed_fields as string[] | undefined) ?? [];
        show(res, () => `${changed.length ? `updated: ${changed.join(', ')}` : 'no change'}\n${describe({ ...res, changed_fields: undefined, token: undefined })}`);
        return 0;
      }
      case 'rotate':
      case 'regenerate': {
        const res = await api(opts, 'POST', '/key/regenerate', { key: ref() });
        show(res, () => `${String(res.key)}\n\nNew secret for ${String(res.key_id)}; the old one no longer works. This key is shown once.`);
        return 0;
      }
      case 'delete': {
        const aliases = p.flags.get('alias') ?? [];
        if (p.positional.length === 0 && aliases.length === 0) throw new UsageError('helix keys delete needs keys (key, hash or key id) or --alias');
        const res = await api(opts, 'POST', '/key/delete', { ...(p.positional.length ? { keys: p.positional } : {}), ...(aliases.length ? { key_aliases: aliases } : {}) });
        const deleted = (res.deleted as Array<{ key_id: string; key_alias: string | null }>) ?? [];
        show(res, () => `deleted ${deleted.length} key(s): ${deleted.map((d) => d.key_alias ? `${d.key_id} (${d.key_alias})` : d.key_id).join(', ')}`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        out(KEYS_USAGE);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown keys command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) err(`helix keys: ${e.message}\n\n${KEYS_USAGE}`);
    else err(`helix keys: ${(e as Error).message}`);
    return 1;
  }
}
