// `helix teams|users|customers|tags …`: manage teams, users, customers (end users) and tags through a running
// gateway's LiteLLM-compatible admin API (HELIX_URL, HELIX_MASTER_KEY). Flag parsing, settings flags and the API
// call are those of `helix keys` (cli/keys.ts).
import { formatTable } from './format.ts';
import { api, describe, parseArgs, settingsFromFlags, UsageError, type ApiOptions, type Parsed } from './keys.ts';

export type GovernanceCommand = 'teams' | 'users' | 'customers' | 'tags';

const COMMON = `[--alias A] [--budget USD] [--budget-duration 30d] [--rpm N] [--tpm N] [--models m1,m2] [--metadata JSON]`;

export const GOVERNANCE_USAGE = `usage: helix teams|users|customers|tags <command> [options]

  teams new [team_id] ${COMMON} [--member user[:admin]]...
  teams add-member <team_id> <user_id>[:admin]...      teams remove-member <team_id> <user_id>
  users new [user_id] ${COMMON} [--email E] [--role R] [--team T]... [--no-key]
                                  a key for the user is created and printed ONCE unless --no-key
  customers new <end_user_id> ${COMMON}               (an end user: the request's "user" field)
  tags new <name> ${COMMON} [--description D]

  <kind> info <id>                 settings, spend to date (and a team's or user's keys)
  <kind> update <id> [new's options] [--block|--unblock]   ("none" clears, e.g. --rpm none)
  <kind> delete <id>...            a team's or user's keys are deleted with it
  <kind> list [--page N] [--size N]
  teams|customers block|unblock <id>...

  --json prints the raw API response.
environment: HELIX_URL (default http://127.0.0.1:4000), HELIX_MASTER_KEY (required)`;

interface KindSpec {
  path: string;
  /** Body field of the id, and of the alias. */
  id: string;
  alias: string;
  /** Flags of this kind only → body field. */
  ownFlags: Record<string, string>;
  /** Flags the command reads itself (a team's --member, a user's --team). */
  localFlags: string[];
  columns: string[];
}

const SETTINGS_COLUMNS = ['max_budget', 'budget_duration', 'rpm_limit', 'tpm_limit', 'models', 'blocked'];

const KINDS: Record<GovernanceCommand, KindSpec> = {
  teams: { path: '/team', id: 'team_id', alias: 'team_alias', ownFlags: {}, localFlags: ['member'], columns: ['team_id', 'team_alias', 'members', ...SETTINGS_COLUMNS] },
  users: { path: '/user', id: 'user_id', alias: 'user_alias', ownFlags: { email: 'user_email', role: 'user_role' }, localFlags: ['team'], columns: ['user_id', 'user_alias', 'user_email', 'teams', ...SETTINGS_COLUMNS] },
  customers: { path: '/customer', id: 'user_id', alias: 'alias', ownFlags: {}, localFlags: [], columns: ['user_id', 'alias', ...SETTINGS_COLUMNS] },
  tags: { path: '/tag', id: 'name', alias: 'alias', ownFlags: { description: 'description' }, localFlags: [], columns: ['name', 'description', ...SETTINGS_COLUMNS] },
};

/** The body an entity's new/update flags make: `helix keys`' settings flags, renamed for the kind, plus its own. */
function bodyFromFlags(kind: GovernanceCommand, p: Parsed, allowClear: boolean): Record<string, unknown> {
  const spec = KINDS[kind];
  const own = new Map([...p.flags].filter(([f]) => f in spec.ownFlags || spec.localFlags.includes(f)));
  const rest = new Map([...p.flags].filter(([f]) => !own.has(f)));
  const body = settingsFromFlags({ ...p, flags: rest }, allowClear);
  for (const [field, flag] of [['team_id', 'team'], ['user_id', 'user'], ['expires', 'expires']] as const) {
    if (field in body) throw new UsageError(`--${flag} does not apply to ${kind}`);
  }
  if ('key_alias' in body) {
    body[spec.alias] = body.key_alias;
    delete body.key_alias;
  }
  for (const [flag, field] of Object.entries(spec.ownFlags)) {
    const v = own.get(flag)?.at(-1);
    if (v !== undefined) body[field] = allowClear && v.toLowerCase() === 'none' ? null : v;
  }
  return body;
}

/** `user` or `user:admin` → LiteLLM's team member. */
function memberOf(arg: string): { user_id: string; role: 'admin' | 'user' } {
  const at = arg.lastIndexOf(':');
  const role = at > 0 ? arg.slice(at + 1) : '';
  if (role === 'admin' || role === 'user') return { user_id: arg.slice(0, at), role };
  return { user_id: arg, role: 'user' };
}

type Row = Record<string, unknown>;

/** The list route's answer as rows and a page line. */
async function list(opts: ApiOptions, kind: GovernanceCommand, p: Parsed): Promise<{ raw: unknown; rows: Row[]; footer: string }> {
  const q = new URLSearchParams();
  const page = p.flags.get('page')?.at(-1);
  const size = p.flags.get('size')?.at(-1);
  if (page) q.set('page', page);
  if (size) q.set('page_size', size);
  if (kind === 'teams' || kind === 'users') {
    const raw = await api(opts, 'GET', `${kind === 'teams' ? '/v2/team/list' : '/user/list'}?${q}`);
    const rows = (raw[kind] as Row[]) ?? [];
    return { raw, rows, footer: `(${rows.length} of ${String(raw.total)} ${kind}, page ${String(raw.page)}/${String(raw.total_pages)})` };
  }
  const raw = (await api(opts, 'GET', `${KINDS[kind].path}/list?${q}`)) as unknown as Row[];
  return { raw, rows: raw, footer: `(${raw.length} ${kind})` };
}

/** The info route's answer and the object to describe. */
async function info(opts: ApiOptions, kind: GovernanceCommand, id: string): Promise<{ raw: unknown; shown: Row }> {
  switch (kind) {
    case 'teams': {
      const raw = await api(opts, 'GET', `/team/info?${new URLSearchParams({ team_id: id })}`);
      return { raw, shown: { ...(raw.team_info as Row), keys: ((raw.keys as Row[]) ?? []).map((k) => k.key_id) } };
    }
    case 'users': {
      const raw = await api(opts, 'GET', `/user/info?${new URLSearchParams({ user_id: id })}`);
      return { raw, shown: { ...(raw.user_info as Row), keys: ((raw.keys as Row[]) ?? []).map((k) => k.key_id) } };
    }
    case 'customers': {
      const raw = await api(opts, 'GET', `/customer/info?${new URLSearchParams({ end_user_id: id })}`);
      return { raw, shown: raw };
    }
    case 'tags': {
      const raw = await api(opts, 'POST', '/tag/info', { names: [id] });
      return { raw, shown: raw[id] as Row };
    }
  }
}

const DELETE_FIELD: Record<GovernanceCommand, string> = { teams: 'team_ids', users: 'user_ids', customers: 'user_ids', tags: 'names' };

/** Runs `helix teams|users|customers|tags <args>`; returns the exit code. Output goes to stdout, errors to stderr. */
export async function runGovernanceCommand(
  kind: GovernanceCommand,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: { out?: (s: string) => void; err?: (s: string) => void; fetch?: typeof fetch } = {},
): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s + '\n'));
  const err = io.err ?? ((s: string) => process.stderr.write(s + '\n'));
  const spec = KINDS[kind];
  const [command, ...rest] = args;
  const opts: ApiOptions = { baseUrl: env.HELIX_URL || 'http://127.0.0.1:4000', masterKey: env.HELIX_MASTER_KEY || undefined, ...(io.fetch ? { fetch: io.fetch } : {}) };
  try {
    const noKey = rest.includes('--no-key');
    const p = parseArgs(rest.filter((a) => a !== '--no-key'));
    const show = (value: unknown, text: () => string) => out(p.bools.has('json') ? JSON.stringify(value, null, 2) : text());
    const ids = () => {
      if (p.positional.length === 0) throw new UsageError(`helix ${kind} ${command} needs an id`);
      return p.positional;
    };
    switch (command) {
      case 'new':
      case 'create': {
        const body = bodyFromFlags(kind, p, false);
        const id = p.positional[0];
        if (id) body[spec.id] = id;
        else if (kind === 'customers' || kind === 'tags') throw new UsageError(`helix ${kind} new needs an id`);
        if (kind === 'teams' && p.flags.has('member')) body.members_with_roles = p.flags.get('member')!.map(memberOf);
        if (kind === 'users' && p.flags.has('team')) body.teams = p.flags.get('team');
        if (kind === 'users' && noKey) body.auto_create_key = false;
        const res = await api(opts, 'POST', `${spec.path}/new`, body);
        const created = (kind === 'tags' ? res.tag : res) as Row;
        show(res, () =>
          typeof created.key === 'string'
            ? `${created.key}\n\nThe key of user ${String(created.user_id)} is shown once; store it now.\n${describe({ ...created, key: undefined })}`
            : describe(created),
        );
        return 0;
      }
      case 'info': {
        const { raw, shown } = await info(opts, kind, ids()[0]!);
        show(raw, () => describe(shown));
        return 0;
      }
      case 'update': {
        const body = bodyFromFlags(kind, p, true);
        if (Object.keys(body).length === 0) throw new UsageError(`helix ${kind} update: nothing to change (give options such as --rpm 60)`);
        const res = await api(opts, 'POST', `${spec.path}/update`, { ...body, [spec.id]: ids()[0] });
        const changed = (res.changed_fields as string[] | undefined) ?? [];
        const updated = (res.data ?? res.tag ?? res) as Row;
        show(res, () => `${changed.length ? `updated: ${changed.join(', ')}\n` : ''}${describe({ ...updated, changed_fields: undefined })}`);
        return 0;
      }
      case 'delete': {
        const res = await api(opts, 'POST', `${spec.path}/delete`, { [DELETE_FIELD[kind]]: ids() });
        show(res, () => `deleted: ${ids().join(', ')}${typeof res.deleted_keys === 'number' && res.deleted_keys > 0 ? ` (and ${res.deleted_keys} key(s))` : ''}`);
        return 0;
      }
      case 'list': {
        const { raw, rows, footer } = await list(opts, kind, p);
        show(raw, () => `${formatTable(spec.columns, rows)}\n${footer}`);
        return 0;
      }
      case 'block':
      case 'unblock': {
        if (kind === 'teams') {
          for (const id of ids()) show(await api(opts, 'POST', `/team/${command}`, { team_id: id }), () => `${command}ed team ${id}`);
          return 0;
        }
        if (kind !== 'customers') throw new UsageError(`helix ${kind} ${command}: use "helix ${kind} update <id> --${command}"`);
        show(await api(opts, 'POST', `/customer/${command}`, { user_ids: ids() }), () => `${command}ed: ${ids().join(', ')}`);
        return 0;
      }
      case 'add-member':
      case 'remove-member': {
        if (kind !== 'teams') throw new UsageError(`${command} is a teams command`);
        const [team, ...users] = ids();
        if (!team || users.length === 0) throw new UsageError(`helix teams ${command} needs a team id and user ids`);
        let res: Record<string, unknown> = {};
        if (command === 'add-member') res = await api(opts, 'POST', '/team/member_add', { team_id: team, member: users.map(memberOf) });
        else for (const user of users) res = await api(opts, 'POST', '/team/member_delete', { team_id: team, user_id: user });
        show(res, () => `team ${team} members: ${((res.members as string[]) ?? []).join(', ') || '(none)'}`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        out(GOVERNANCE_USAGE);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown ${kind} command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) err(`helix ${kind}: ${e.message}\n\n${GOVERNANCE_USAGE}`);
    else err(`helix ${kind}: ${(e as Error).message}`);
    return 1;
  }
}
