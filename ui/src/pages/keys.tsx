// Keys: every virtual key with its spend, limits and state; create, rotate (the new secret is shown once),
// block/unblock, set a budget and rate limits, delete — all through the admin API (/key/*), which accepts the
// dashboard session.
import { useState } from 'preact/hooks';
import { api, namedQuery } from '../api.ts';
import { count, usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { LimitsForm, limitsText } from '../components/teams-limits-form.tsx';

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
  const [rpm, setRpm] = useState('');
  const [tpm, setTpm] = useState('');
  const [created, setCreated] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const body: Record<string, unknown> = {};
    if (alias.trim()) body.key_alias = alias.trim();
    if (team.trim()) body.team_id = team.trim();
    if (budget.trim()) body.max_budget = Number(budget);
    if (rpm.trim()) body.rpm_limit = Number(rpm);
    if (tpm.trim()) body.tpm_limit = Number(tpm);
    try {
      const answer = await api<{ key: string }>('/key/generate', { method: 'POST', body });
      setCreated(answer.key);
      setAlias('');
      setTeam('');
      setBudget('');
      setRpm('');
      setTpm('');
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
      <label>
        requests / minute <input name="rpm_limit" type="number" min="0" step="1" value={rpm} onInput={(e) => setRpm(e.currentTarget.value)} />
      </label>
      <label>
        tokens / minute <input name="tpm_limit" type="number" min="0" step="1" value={tpm} onInput={(e) => setTpm(e.currentTarget.value)} />
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

function KeyActions({ k, onChanged, onRotated, onLimits }: { k: KeyRow; onChanged: (error?: string) => void; onRotated: (secret: string) => void; onLimits: () => void }) {
  const act = async (path: string, body: unknown) => {
    try {
      await api(path, { method: 'POST', body });
      onChanged();
    } catch (err) {
      onChanged((err as Error).message);
    }
  };
  const rotate = async () => {
    if (!window.confirm(`Rotate ${k.key_alias ?? k.key_id}? Its current secret stops working at once.`)) return;
    try {
      onRotated((await api<{ key: string }>('/key/regenerate', { method: 'POST', body: { key: k.key_id } })).key);
      onChanged();
    } catch (err) {
      onChanged((err as Error).message);
    }
  };
  return (
    <td class="actions">
      <button type="button" onClick={() => void act(k.blocked ? '/key/unblock' : '/key/block', { key: k.key_id })}>
        {k.blocked ? 'Unblock' : 'Block'}
      </button>
      <button type="button" onClick={onLimits}>
        Limits
      </button>
      <button type="button" onClick={() => void rotate()}>
        Rotate
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
  const [rotated, setRotated] = useState<{ key: string; secret: string } | undefined>(undefined);
  const [editing, setEditing] = useState<string | undefined>(undefined);
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
      {rotated && (
        <p class="panel secret">
          New secret of <code>{rotated.key}</code> (shown once, copy it now; the old one no longer works): <code data-testid="rotated-key">{rotated.secret}</code>
        </p>
      )}
      <table class="keys">
        <thead>
          <tr>
            <th>alias</th>
            <th>key id</th>
            <th>team</th>
            <th>models</th>
            <th>spend (30 days)</th>
            <th>requests</th>
            <th>budget and limits</th>
            <th>state</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((k) => [
            <tr key={k.key_id} data-key-id={k.key_id} data-key-alias={k.key_alias ?? ''}>
              <td>{k.key_alias ?? '—'}</td>
              <td>
                <code>{k.key_id}</code>
              </td>
              <td>{k.team_id ?? '—'}</td>
              <td>{k.models.length ? k.models.join(', ') : 'all'}</td>
              <td>{usd(k.spend)}</td>
              <td>{count(k.requests)}</td>
              <td data-testid="key-limits">{limitsText(k, usd)}</td>
              <td class={k.blocked ? 'blocked' : 'active'}>{k.blocked ? 'blocked' : 'active'}</td>
              <KeyActions
                k={k}
                onChanged={changed}
                onRotated={(secret) => setRotated({ key: k.key_alias ?? k.key_id, secret })}
                onLimits={() => setEditing(editing === k.key_id ? undefined : k.key_id)}
              />
            </tr>,
            editing === k.key_id && (
              <tr key={`${k.key_id}:limits`}>
                <td colSpan={9}>
                  <LimitsForm
                    initial={k}
                    testId="key-limits-form"
                    onCancel={() => setEditing(undefined)}
                    onSave={async (limits) => {
                      await api('/key/update', { method: 'POST', body: { key: k.key_id, ...limits } });
                      setEditing(undefined);
                      changed();
                    }}
                  />
                </td>
              </tr>
            ),
          ])}
        </tbody>
      </table>
      {data && data.length === 0 && <p class="empty">No virtual keys yet.</p>}
    </div>
  );
}
