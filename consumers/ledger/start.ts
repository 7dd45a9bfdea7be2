// Starts the ledger consumer group: responses + cache hits → Redis spend counters → ledger entries and budget alerts
// on Kafka (the ClickHouse sink lands them in ledger_entries / budget_alerts).
import type { Kafka, Producer } from 'kafkajs';
import { createRedis } from '../../lib/redis.ts';
import type { HelixConfig } from '../../lib/config.ts';
import { allFallbacks, PriceBook } from '../../core/prices.ts';
import { topicName } from '../../schemas/topics.ts';
import type { BudgetAlert, LedgerEntry } from '../../schemas/events/ledger.ts';
import { BudgetStore } from '../../core/budgets/store.ts';
import { durableProducer, startGroup, type RunningGroup } from '../group.ts';
import { ledgerSink } from './sink.ts';

export const LEDGER_GROUP = 'helix-ledger';

export interface LedgerOptions {
  groupId?: string;
  redisUrl?: string;
}

/** Sends entries and alerts, keyed by key id (one key's entries stay ordered), and waits for all replicas. */
export function kafkaLedgerPublisher(producer: Producer, prefix: string) {
  return async (entries: LedgerEntry[], alerts: BudgetAlert[]): Promise<void> => {
    const message = (e: LedgerEntry | BudgetAlert) => ({ key: e.key_id || 'anonymous', value: JSON.stringify(e) });
    const topicMessages = [{ topic: topicName('ledger', prefix), messages: entries.map(message) }];
    if (alerts.length) topicMessages.push({ topic: topicName('budgetAlerts', prefix), messages: alerts.map(message) });
    await producer.sendBatch({ acks: -1, topicMessages });
  };
}

export async function startLedger(kafka: Kafka, config: HelixConfig, opts: LedgerOptions = {}): Promise<RunningGroup> {
  const settings = config.helix_settings;
  // The consumer may wait for Redis (offline queue on): a failed write is retried by the consume loop, never skipped.
  const redis = createRedis(opts.redisUrl ?? config.env.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  const producer = await durableProducer(kafka, 'ledger entries producer');
  const sink = ledgerSink({
    store: new BudgetStore(redis, settings.budgets.redis_prefix),
    prices: new PriceBook(config.model_list, allFallbacks(config.router_settings)),
    budgets: settings.budgets,
    alerts: settings.cost_optimization.budget_alerts,
    publish: kafkaLedgerPublisher(producer, config.env.topicPrefix),
  });
  return startGroup(kafka, config, {
    name: 'ledger',
    groupId: opts.groupId ?? LEDGER_GROUP,
    topics: ['responses', 'cache'],
    sink,
    async close() {
      await producer.disconnect().catch(() => undefined);
      redis.disconnect();
    },
  });
}
