// Where opening balances are booked: the budget counters in Redis through the ledger's own booking script
// (idempotent by entry id), the entries onto the ledger topic (the ClickHouse sink lands them in ledger_entries;
// `helix replay ledger` rebuilds the same counters from them), and per slot what it has booked so far
// (`<budgets prefix>import:litellm`, a hash), written last so an interrupted run resumes without counting twice.
import type { RedisClient as Redis } from '../../../lib/redis.ts';
import type { LedgerEntry } from '../../../schemas/events/ledger.ts';
import type { BudgetStore } from '../../budgets/store.ts';
import type { BalanceTarget } from './run.ts';

/** Changes booked per round (one BOOK script per 200, one Kafka batch, one HSET). */
const CHUNK = 1000;

export interface BalanceTargetOptions {
  redis: Redis;
  budgets: BudgetStore;
  /** helix_settings.budgets.redis_prefix */
  prefix: string;
  /** helix_settings.budgets.dedupe_ttl_seconds: how long an entry id is remembered as booked. */
  dedupeTtlSeconds: number;
  /** Publishes entries to the ledger topic; resolves once Kafka has them. */
  publish(entries: LedgerEntry[]): Promise<void>;
}

export const importStateKey = (prefix: string): string => `${prefix}import:litellm`;

export function balanceTarget(o: BalanceTargetOptions): BalanceTarget {
  const stateKey = importStateKey(o.prefix);
  return {
    async booked() {
      const state = await o.redis.hgetall(stateKey);
      return new Map(Object.entries(state).map(([slot, nano]) => [slot, Number(nano)]));
    },
    async book(changes) {
      for (let i = 0; i < changes.length; i += CHUNK) {
        const chunk = changes.slice(i, i + CHUNK);
        await o.budgets.book(chunk.map((c) => c.booking), o.dedupeTtlSeconds);
        await o.publish(chunk.map((c) => c.entry));
        await o.redis.hset(stateKey, Object.fromEntries(chunk.map((c) => [c.slot.id, String(c.afterNano)])));
      }
    },
  };
}
