// Budget burn: every key, team, end user (customer) and tag with a max_budget, its spend to date against the limit,
// all from the admin API (/…/list for the budgets, /…/info for the spend, which the ledger keeps).
import { api } from '../api.ts';
import { usd } from '../format.ts';
import { usePoll } from '../use-poll.ts';
import { ErrorLine } from './error-line.tsx';
import { TablePanel, type Column } from './data-table.tsx';

interface Budgeted {
  max_budget?: number | null;
  budget_duration?: string | null;
}

export interface BudgetRow {
  kind: 'key' | 'team' | 'customer' | 'tag';
  id: string;
  label: string;
  limit: number;
  duration: string | null;
  /** USD to date; null when the ledger could not be read. */
  spent: number | null;
}

/** Budgets shown per kind at most (each costs one /…/info call per refresh). */
const PER_KIND = 50;
const LIST_SIZE = 500;

const withBudget = <T extends Budgeted>(list: T[]): T[] => list.filter((r) => typeof r.max_budget === 'number').slice(0, PER_KIND);
const q = encodeURIComponent;

async function keyBudgets(): Promise<BudgetRow[]> {
  const { keys } = await api<{ keys: Array<Budgeted & { key_id: string; key_alias: string | null }> }>(`/key/list?return_full_object=true&size=${LIST_SIZE}`);
  return Promise.all(
    withBudget(keys).map(async (k) => {
      const { info } = await api<{ info: { spend?: number | null } }>(`/key/info?key=${q(k.key_id)}`);
      return { kind: 'key' as const, id: k.key_id, label: k.key_alias ?? k.key_id, limit: k.max_budget!, duration: k.budget_duration ?? null, spent: info.spend ?? null };
    }),
  );
}

async function teamBudgets(): Promise<BudgetRow[]> {
  const teams = await api<Array<Budgeted & { team_id: string; team_alias: string | null }>>(`/team/list?page_size=${LIST_SIZE}`);
  return Promise.all(
    withBudget(teams).map(async (t) => {
      const { team_info } = await api<{ team_info: { spend: number | null } }>(`/team/info?team_id=${q(t.team_id)}`);
      return { kind: 'team' as const, id: t.team_id, label: t.team_alias ?? t.team_id, limit: t.max_budget!, duration: t.budget_duration ?? null, spent: team_info.spend };
    }),
  );
}

async function customerBudgets(): Promise<BudgetRow[]> {
  const customers = await api<Array<Budgeted & { user_id: string; alias: string | null }>>(`/customer/list?page_size=${LIST_SIZE}`);
  return Promise.all(
    withBudget(customers).map(async (c) => {
      const info = await api<{ spend: number | null }>(`/customer/info?end_user_id=${q(c.user_id)}`);
      return { kind: 'customer' as const, id: c.user_id, label: c.alias ?? c.user_id, limit: c.max_budget!, duration: c.budget_duration ?? null, spent: info.spend };
    }),
  );
}

async function tagBudgets(): Promise<BudgetRow[]> {
  const tags = await api<Array<Budgeted & { name: string; alias: string | null }>>(`/tag/list?page_size=${LIST_SIZE}`);
  return Promise.all(
    withBudget(tags).map(async (t) => {
      const info = await api<Record<string, { spend: number | null }>>(`/tag/info?name=${q(t.name)}`);
      return { kind: 'tag' as const, id: t.name, label: t.alias ?? t.name, limit: t.max_budget!, duration: t.budget_duration ?? null, spent: info[t.name]?.spend ?? null };
    }),
  );
}

async function loadBudgets(): Promise<BudgetRow[]> {
  const all = (await Promise.all([keyBudgets(), teamBudgets(), customerBudgets(), tagBudgets()])).flat();
  const burn = (b: BudgetRow) => (b.limit > 0 ? (b.spent ?? 0) / b.limit : Infinity);
  return all.sort((a, b) => burn(b) - burn(a));
}

function BurnBar({ spent, limit }: { spent: number | null; limit: number }) {
  if (spent === null) return <span class="empty">spend unavailable</span>;
  const ratio = limit > 0 ? spent / limit : spent > 0 ? Infinity : 0;
  const color = ratio >= 1 ? '#dc2626' : ratio >= 0.8 ? '#ea580c' : ratio >= 0.5 ? '#ca8a04' : '#16a34a';
  const width = `${Math.min(100, ratio * 100).toFixed(1)}%`;
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: '0.5rem' }}>
      <div style={{ flex: '1', minWidth: '120px', height: '10px', background: '#e5e7eb', borderRadius: '5px', overflow: 'hidden' }}>
        <div style={{ width, height: '100%', background: color }} />
      </div>
      <span data-testid="burn-percent">{Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : '∞'}</span>
    </div>
  );
}

const COLUMNS: Array<Column<BudgetRow>> = [
  { header: 'kind', cell: (b) => (b.kind === 'customer' ? 'end user' : b.kind) },
  { header: 'name', cell: (b) => b.label },
  { header: 'spent', cell: (b) => (b.spent === null ? '—' : usd(b.spent)) },
  { header: 'limit', cell: (b) => `${usd(b.limit)}${b.duration ? ` / ${b.duration}` : ''}` },
  { header: 'burn', cell: (b) => <BurnBar spent={b.spent} limit={b.limit} /> },
];

export function SpendBudgets() {
  const { data, error } = usePoll(loadBudgets, []);
  return (
    <TablePanel
      title="Budget burn (spend to date against max_budget)"
      testId="spend-budgets"
      empty={data ? 'No key, team, end user or tag has a max_budget.' : undefined}
      columns={COLUMNS}
      rows={data ?? []}
      rowKey={(b) => `${b.kind}:${b.id}`}
      rowAttrs={(b) => ({ 'data-testid': 'budget-row', 'data-kind': b.kind, 'data-id': b.id, 'data-spent': b.spent ?? '', 'data-limit': b.limit })}
    >
      <ErrorLine message={error} />
    </TablePanel>
  );
}
