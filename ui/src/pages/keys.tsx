// Keys: every virtual key with its spend, limits and state; create, block/unblock, set a budget, delete — all through
// the admin API (/key/*), which accepts the dashboard session.
import { useState } from 'preact/hooks';
import { api, namedQuery } from '../api.ts';
import { count, usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { ErrorLine } from '../components/error-line.tsx';

interface KeyInfo {
  key_id: string;
  key_alias: string | null;
  team_id: string | null;
  user_id: string | null;
  models: string[];
  max_budget?: number | null;
  budget_duration?: string | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  blocked?: boolean;
  expires: string | null;
}

interface KeyRow extends KeyInfo {
  spend: number;
  requests: number;
}

/** The dashboard lists at most this many keys (newest first); /key/list pages beyond. */
const LIST_SIZE = 500;

async function loadKeys(): Promise<KeyRow[]> {
  const [list, spend] = await Promise.all([
    api<{ keys: KeyInfo[] }>(`/key/list?return_full_object=true&size=${LIST_SIZE}`),
    namedQuery('key_spend', '30d'),
  ]);
  const byKey = new Map(spend.map((r) => [String(r.key_id), r]));
  return list.keys.map((k) => ({ ...k, spend: Number(byKey.get(k.key_id)?.spend_usd ?? 0), requests: Number(byKey.get(k.key_id)?.requests ?? 0) }));
}

function CreateKey({ onCreated }: { onCreated: () => void }) {
  const [alias, setAlias] = useState('');
  const [team, setTeam] = useState('');
  const [budget, setBudget] = useState('');
  const [created, setCreated] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const body: Record<string, unknown> = {};
    if (alias.trim()) body.key_alias = alias.trim();
    if (team.trim()) body.team_id = team.trim();
    if (budget.trim()) body.max_budget = Number(budget);
    try {
      const answer = await api<{ key: string }>('/key/generate', { method: 'POST', body });
      setCreated(answer.key);
      setAlias('');
      setTeam('');
      setBudget('');
      onCreated();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="panel create-key" onSubmit={(e) => void submit(e)}>
      <h3>Create a key</h3>
      <label>
        alias <input name="key_alias" value={alias} maxLength={256} onInput={(e) => setAlias(e.currentTarget.value)} />
      </label>
      <label>
        team <input name="team_id" value={team} maxLength={256} onInput={(e) => setTeam(e.currentTarget.value)} />
      </label>
      <label>
        budget (USD) <input name="max_budget" type="number" min="0" step="any" value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
      </label>
      <button type="submit">Create</button>
      <ErrorLine message={error} />
      {created && (
        <p class="secret">
          New key (shown once, copy it now): <code data-testid="new-key">{created}</code>
        </p>
      )}
    </form>
  );
}

function KeyActions({ k, onChanged }: { k: KeyRow; onChanged: (error?: string) => void }) {
  const act = async (path: string, body: unknown) => {
    try {
      await api(path, { method: 'POST', body });
      onChanged();
    } catch (err) {
      onChanged((err as Error).message);
    }
  };
  const setBudget = () => {
    const answer = window.prompt(`Budget in USD for ${k.key_alias ?? k.key_id} (empty: no budget)`, k.max_budget?.toString() ?? '');
    if (answer === null) return;
    const value = answer.trim() === '' ? null : Number(answer);
    if (value !== null && !(value >= 0)) return onChanged('A budget is a number of USD, 0 or more.');
    void act('/key/update', { key: k.key_id, max_budget: value });
  };
  return (
    <td class="actions">
      <button type="button" onClick={() => void act(k.blocked ? '/key/unblock' : '/key/block', { key: k.key_id })}>
        {k.blocked ? 'Unblock' : 'Block'}
      </button>
      <button type="button" onClick={setBudget}>
        Budget
      </button>
      <button type="button" class="danger" onClick={() => window.confirm(`Delete ${k.key_alias ?? k.key_id}? Clients using it are refused at once.`) && void act('/key/delete', { keys: [k.key_id] })}>
        Delete
      </button>
    </td>
  );
}

export function KeysPage() {
  const { data, error, reload } = usePoll(loadKeys, []);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const changed = (err?: string) => {
    setActionError(err);
    reload();
  };
  return (
    <div class="page" data-testid="keys">
      <header class="page-head">
        <h2>Keys</h2>
      </header>
      <CreateKey onCreated={() => changed()} />
      <ErrorLine message={error ?? actionError} />
      <table class="keys">
        <thead>
          <tr>
            <th>alias</th>
            <th>key id</th>
            <th>team</th>
            <th>models</th>
            <th>spend (30 days)</th>
            <th>requests</th>
            <th>budget</th>
            <th>state</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((k) => (
            <tr key={k.key_id} data-key-id={k.key_id} data-key-alias={k.key_alias ?? ''}>
              <td>{k.key_alias ?? '—'}</td>
              <td>
                <code>{k.key_id}</code>
              </td>
              <td>{k.team_id ?? '—'}</td>
              <td>{k.models.length ? k.models.join(', ') : 'all'}</td>
              <td>{usd(k.spend)}</td>
              <td>{count(k.requests)}</td>
              <td>{k.max_budget != null ? `${usd(k.max_budget)}${k.budget_duration ? ` / ${k.budget_duration}` : ''}` : '—'}</td>
              <td class={k.blocked ? 'blocked' : 'active'}>{k.blocked ? 'blocked' : 'active'}</td>
              <KeyActions k={k} onChanged={changed} />
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.length === 0 && <p class="empty">No virtual keys yet.</p>}
    </div>
  );
}
