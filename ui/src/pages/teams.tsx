// Teams: every team with its spend and requests over 30 days, budget, rate limits, members and state; create a team,
// change its limits, block/unblock, delete it, add and remove members — through the admin API (/team/*), which
// accepts the dashboard session. Spend comes from the named query team_spend (v_spend_daily).
import { useState } from 'preact/hooks';
import { api, namedQuery, post } from '../api.ts';
import { count, usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { LimitsForm, limitsFrom, limitsText, type Limits } from '../components/teams-limits-form.tsx';
import { DataTable, type Column } from '../components/data-table.tsx';
import { act, modelsColumn, RowActions, stateColumn, useActionError, type OnChanged } from '../components/admin-rows.tsx';

interface Member {
  user_id: string | null;
  role: 'admin' | 'user';
  user_email: string | null;
}

interface TeamInfo extends Limits {
  team_id: string;
  team_alias: string | null;
  models: string[];
  blocked: boolean;
  members_with_roles: Member[];
}

interface TeamRow extends TeamInfo {
  spend: number;
  requests: number;
}

async function loadTeams(): Promise<TeamRow[]> {
  const [teams, spend] = await Promise.all([api<TeamInfo[]>('/team/list'), namedQuery('team_spend', '30d')]);
  const byTeam = new Map(spend.map((r) => [String(r.team_id), r]));
  return teams.map((t) => ({ ...t, spend: Number(byTeam.get(t.team_id)?.spend_usd ?? 0), requests: Number(byTeam.get(t.team_id)?.requests ?? 0) }));
}

const nameOf = (t: TeamInfo) => t.team_alias ?? t.team_id;

function CreateTeam({ onCreated }: { onCreated: () => void }) {
  const empty = { team_alias: '', team_id: '', models: '', max_budget: '', budget_duration: '', rpm_limit: '', tpm_limit: '' };
  const [text, setText] = useState(empty);
  const [error, setError] = useState<string | undefined>(undefined);
  const field = (name: keyof typeof empty, label: string, placeholder = '') => (
    <label>
      {label}
      <input name={name} value={text[name]} placeholder={placeholder} maxLength={name === 'models' ? 2000 : 256} onInput={(e) => setText({ ...text, [name]: e.currentTarget.value })} />
    </label>
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const limits = limitsFrom(text);
    if (typeof limits === 'string') return setError(limits);
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(limits)) if (v !== null) body[k] = v;
    if (text.team_alias.trim()) body.team_alias = text.team_alias.trim();
    if (text.team_id.trim()) body.team_id = text.team_id.trim();
    const models = text.models.split(',').map((m) => m.trim()).filter(Boolean);
    if (models.length) body.models = models;
    try {
      await post('/team/new', body);
      setText(empty);
      onCreated();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="panel create-key create-team" onSubmit={(e) => void submit(e)}>
      <h3>Create a team</h3>
      {field('team_alias', 'name')}
      {field('team_id', 'team id', 'generated')}
      {field('models', 'models', 'all (comma-separated)')}
      {field('max_budget', 'budget (USD)')}
      {field('budget_duration', 'budget period', 'e.g. 30d')}
      {field('rpm_limit', 'requests / minute')}
      {field('tpm_limit', 'tokens / minute')}
      <button type="submit">Create</button>
      <ErrorLine message={error} />
    </form>
  );
}

function Members({ team, onChanged }: { team: TeamRow; onChanged: OnChanged }) {
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<'user' | 'admin'>('user');
  const change = (path: string, body: unknown) => act(onChanged, () => post(path, body));
  const add = (e: Event) => {
    e.preventDefault();
    if (!userId.trim()) return;
    void change('/team/member_add', { team_id: team.team_id, member: { user_id: userId.trim(), role } }).then(() => (setUserId(''), setRole('user')));
  };
  return (
    <div class="panel" data-testid="team-members">
      <h3>Members of {nameOf(team)}</h3>
      {team.members_with_roles.length === 0 && <p class="empty">No members.</p>}
      <ul>
        {team.members_with_roles.map((m) => (
          <li key={m.user_id ?? m.user_email} data-member={m.user_id ?? ''}>
            <code>{m.user_id ?? m.user_email}</code> ({m.role}){' '}
            <button type="button" class="danger" onClick={() => void change('/team/member_delete', m.user_id ? { team_id: team.team_id, user_id: m.user_id } : { team_id: team.team_id, user_email: m.user_email })}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form class="create-key" onSubmit={add}>
        <label>
          user id <input name="member_user_id" value={userId} maxLength={256} onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <label>
          role
          <select name="member_role" value={role} onChange={(e) => setRole(e.currentTarget.value === 'admin' ? 'admin' : 'user')}>
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Add member</button>
      </form>
    </div>
  );
}

type Open = { team: string; what: 'limits' | 'members' } | undefined;

function TeamActions({ t, open, setOpen, onChanged }: { t: TeamRow; open: Open; setOpen: (o: Open) => void; onChanged: OnChanged }) {
  const toggle = (what: 'limits' | 'members') => setOpen(open?.team === t.team_id && open.what === what ? undefined : { team: t.team_id, what });
  return (
    <RowActions
      blocked={t.blocked}
      setBlocked={(blocked) => post(blocked ? '/team/block' : '/team/unblock', { team_id: t.team_id })}
      onChanged={onChanged}
      deleteQuestion={`Delete team ${nameOf(t)} and its keys? Clients using them are refused at once.`}
      remove={() => post('/team/delete', { team_ids: [t.team_id] })}
    >
      <button type="button" onClick={() => toggle('limits')}>
        Limits
      </button>
      <button type="button" onClick={() => toggle('members')}>
        Members
      </button>
    </RowActions>
  );
}

export function TeamsPage() {
  const { data, error, reload } = usePoll(loadTeams, []);
  const { actionError, changed } = useActionError(reload);
  const [open, setOpen] = useState<Open>(undefined);
  const columns: Array<Column<TeamRow>> = [
    { header: 'name', cell: (t) => t.team_alias ?? '—' },
    { header: 'team id', cell: (t) => <code>{t.team_id}</code> },
    modelsColumn(),
    { header: 'members', cell: (t) => count(t.members_with_roles.length), testId: 'team-member-count' },
    { header: 'spend (30 days)', cell: (t) => usd(t.spend), testId: 'team-spend' },
    { header: 'requests', cell: (t) => count(t.requests), testId: 'team-requests' },
    { header: 'budget and limits', cell: (t) => limitsText(t, usd), testId: 'team-limits' },
    stateColumn(),
    { header: '', class: 'actions', cell: (t) => <TeamActions t={t} open={open} setOpen={setOpen} onChanged={changed} /> },
  ];
  const opened = (t: TeamRow) => {
    if (open?.team !== t.team_id) return undefined;
    if (open.what === 'members') return <Members team={t} onChanged={changed} />;
    return (
      <LimitsForm
        initial={t}
        testId="team-limits-form"
        onCancel={() => setOpen(undefined)}
        onSave={async (limits) => {
          await post('/team/update', { team_id: t.team_id, ...limits });
          setOpen(undefined);
          changed();
        }}
      />
    );
  };
  return (
    <div class="page" data-testid="teams">
      <header class="page-head">
        <h2>Teams</h2>
      </header>
      <CreateTeam onCreated={() => changed()} />
      <ErrorLine message={error ?? actionError} />
      <DataTable class="keys teams" columns={columns} rows={data ?? []} rowKey={(t) => t.team_id} rowAttrs={(t) => ({ 'data-team-id': t.team_id, 'data-team-alias': t.team_alias ?? '' })} expanded={opened} />
      {data && data.length === 0 && <p class="empty">No teams yet.</p>}
    </div>
  );
}
