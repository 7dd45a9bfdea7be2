// SpendLookup over the ledger: USD to date of a key, team, user, customer (end user) or tag, summed from the daily
// spend rollups (spend_1d, spend_end_user_1d, spend_tag_1d), which hold every ledger entry exactly once. Answers are
// cached briefly so /…/info routes polled by a UI do not each cost a ClickHouse query.
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import type { SpendLookup } from '../governance/entities.ts';
import { usd } from './ledger-filter.ts';

type Scope = Parameters<SpendLookup['spend']>[0];

/** Where each kind's spend is kept: a rollup and the column naming the spender (fixed text, never input). */
const SOURCES: Record<Scope['kind'], { table: string; column: string }> = {
  key: { table: 'spend_1d', column: 'key_id' },
  team: { table: 'spend_1d', column: 'team_id' },
  user: { table: 'spend_1d', column: 'user_id' },
  customer: { table: 'spend_end_user_1d', column: 'end_user' },
  tag: { table: 'spend_tag_1d', column: 'tag' },
};

export interface SpendLookupOptions {
  /** How long an answer is reused (default 5 s). */
  ttlMs?: number;
  /** Scopes remembered at most (default 10,000; the oldest go first). */
  maxEntries?: number;
  now?: () => number;
}

export function createSpendLookup(reader: AnalyticsReader, opts: SpendLookupOptions = {}): SpendLookup {
  const ttlMs = opts.ttlMs ?? 5_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? (() => performance.now());
  const cache = new Map<string, { at: number; value: Promise<number> }>();

  const query = async ({ kind, id }: Scope): Promise<number> => {
    const { table, column } = SOURCES[kind];
    const result = await reader.query(`SELECT toString(sum(cost_usd)) AS usd FROM ${table} WHERE ${column} = {id:String}`, { id });
    return usd(result.data[0]?.usd);
  };

  return {
    spend(scope) {
      // Nothing is ever spent by an empty id (requests without a team, a user, an end user).
      if (!scope.id) return Promise.resolve(0);
      const name = `${scope.kind}\u0000${scope.id}`;
      const hit = cache.get(name);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      cache.delete(name);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      const value = query(scope);
      cache.set(name, { at: now(), value });
      // A failure is not remembered: the next call asks again.
      value.catch(() => cache.get(name)?.value === value && cache.delete(name));
      return value;
    },
  };
}
