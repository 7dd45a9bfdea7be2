// Keys: every virtual key with its spend, limits and state; create, rotate (the new secret is shown once),
// block/unblock, set a budget and rate limits, delete — all through the admin API (/key/*), which accepts the
// dashboard session.
import { useState } from 'preact/hooks';
import { api, namedQuery, post } from '../api.ts';
import { count, usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { LimitsForm, limitsText } from '../components/teams-limits-form.tsx';
import { DataTable, type Column } from '../components/data-table.tsx';
import { act, modelsColumn, RowActions, stateColumn, useActionError, type OnChanged } from '../components/admin-rows.tsx';

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
      const answer = await post<{ key: string }>('/key/generate', body);
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

function KeyActions({ k, onChanged, onRotated, onLimits }: { k: KeyRow; onChanged: OnChanged; onRotated: (secret: string) => void; onLimits: () => void }) {
  const name = k.key_alias ?? k.key_id;
  const rotate = () => {
    if (!window.confirm(`Rotate ${name}? Its current secret stops working at once.`)) return;
    void act(onChanged, async () => onRotated((await post<{ key: string }>('/key/regenerate', { key: k.key_id })).key));
  };
  return (
    <RowActions
      blocked={k.blocked}
      setBlocked={(blocked) => post(blocked ? '/key/block' : '/key/unblock', { key: k.key_id })}
      onChanged={onChanged}
      deleteQuestion={`Delete ${name}? Clients using it are refused at once.`}
      remove={() => post('/key/delete', { keys: [k.key_id] })}
    >
      <button type="button" onClick={onLimits}>
        Limits
      </button>
      <button type="button" onClick={rotate}>
        Rotate
      </button>
    </RowActions>
  );
}

export function KeysPage() {
  const { data, error, reload } = usePoll(loadKeys, []);
  const { actionError, changed } = useActionError(reload);
  const [rotated, setRotated] = useState<{ key: string; secret: string } | undefined>(undefined);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const columns: Array<Column<KeyRow>> = [
    { header: 'alias', cell: (k) => k.key_alias ?? '—' },
    { header: 'key id', cell: (k) => <code>{k.key_id}</code> },
    { header: 'team', cell: (k) => k.team_id ?? '—' },
    modelsColumn(),
    { header: 'spend (30 days)', cell: (k) => usd(k.spend) },
    { header: 'requests', cell: (k) => count(k.requests) },
    { header: 'budget and limits', cell: (k) => limitsText(k, usd), testId: 'key-limits' },
    stateColumn(),
    {
      header: '',
      class: 'actions',
      cell: (k) => (
        <KeyActions
          k={k}
          onChanged={changed}
          onRotated={(secret) => setRotated({ key: k.key_alias ?? k.key_id, secret })}
          onLimits={() => setEditing(editing === k.key_id ? undefined : k.key_id)}
        />
      ),
    },
  ];
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
      <DataTable
        columns={columns}
        rows={data ?? []}
        rowKey={(k) => k.key_id}
        rowAttrs={(k) => ({ 'data-key-id': k.key_id, 'data-key-alias': k.key_alias ?? '' })}
        expanded={(k) =>
          editing === k.key_id && (
            <LimitsForm
              initial={k}
              testId="key-limits-form"
              onCancel={() => setEditing(undefined)}
              onSave={async (limits) => {
                await post('/key/update', { key: k.key_id, ...limits });
                setEditing(undefined);
                changed();
              }}
            />
          )
        }
      />
      {data && data.length === 0 && <p class="empty">No virtual keys yet.</p>}
    </div>
  );
}
