// `helix replay ledger`: the spend counters and the ledger table are derived state — rebuild both from the ledger
// topic. Reads the topic from offset 0 under a fresh consumer group (the live groups' offsets are untouched), books
// every entry's cost into exactly the counters it names (same Lua as the live ledger, idempotent by source event)
// and inserts the entries into `ledger_entries` (deduplicated by id), then stops once it has read everything that
// was on the topic when it started. Meant for empty stores: a fresh Redis / prefix and a fresh ClickHouse database
// (with the embedded store, stop the consumers first or point HELIX_DATA_DIR elsewhere: chdb has one owner).
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createRedis } from '../lib/redis.ts';
import type { HelixConfig } from '../lib/config.ts';
import { createKafka } from '../lib/kafka.ts';
import { toNano } from '../core/money.ts';
import { topicName } from '../schemas/topics.ts';
import type { HelixEvent } from '../schemas/events.ts';
import type { LedgerEntry } from '../schemas/events/ledger.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../clickhouse/store.ts';
import { migrate } from '../clickhouse/migrate.ts';
import { clickhouseSink } from '../clickhouse/sink.ts';
import type { RowInserter } from '../clickhouse/rows.ts';
import { runConsumer } from '../lib/consume/runner.ts';
import type { DecodedMessage, Sink } from '../lib/consume/sink.ts';
import { BudgetStore } from '../core/budgets/store.ts';
import { counterTtlSeconds, periodFromId } from '../core/budgets/periods.ts';
import { flag } from './usage.ts';

export const REPLAY_LEDGER_USAGE = `  replay ledger [--redis <url>] [--redis-prefix <prefix>]
                           rebuild the spend counters (Redis) and ledger_entries (ClickHouse) from the ledger topic`;

export interface LedgerReplayResult {
  messages: number;
  entries: number;
  deadLettered: number;
  ms: number;
}

export interface LedgerReplayOptions {
  kafka?: Kafka;
  redisUrl?: string;
  redisPrefix?: string;
  /** Target analytics store (default: from config.env). */
  store?: AnalyticsStore;
  groupId?: string;
  timeoutMs?: number;
}

async function endOffsets(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Rows through the client as objects: the embedded store (chdb) and a server alike; replay volumes are modest. */
const objectInserter = (store: AnalyticsStore): RowInserter => async (table, lines) => {
  await store.client.insert({ table, values: lines.map((l) => JSON.parse(l.toString('utf8')) as Record<string, unknown>), format: 'JSONEachRow' });
};

/** Entries → counters (Redis) + rows (ClickHouse, deduplicated by id like the live sink). */
export function replaySink(budgets: BudgetStore, store: AnalyticsStore, dedupeTtlSeconds: number): Sink<LedgerEntry> {
  const rows = clickhouseSink(store, objectInserter(store));
  return {
    decode(message: KafkaMessage, topic: string) {
      const decoded = rows.decode(message, topic); // parsed and validated against its event schema
      if (!decoded.ok) return decoded;
      const event = decoded.value as unknown as LedgerEntry;
      return event.type === 'ledger' ? { ok: true, value: event } : { ok: false, reason: `not a ledger entry: ${event.type}` };
    },
    async write(batch: Array<DecodedMessage<LedgerEntry>>) {
      const now = Date.now();
      const bookings = batch.map(({ value: e }) => ({
        eventId: e.source_event_id,
        amountNano: toNano(e.cost_usd),
        pendingScopes: [],
        // Exactly the counters the entry names (not recomputed: budgets may have changed since).
        counters: e.counters.flatMap((name) => {
          const cut = name.lastIndexOf('|');
          const period = periodFromId(name.slice(cut + 1));
          return period ? [{ scope: name.slice(0, cut), periodId: period.id, ttlSeconds: counterTtlSeconds(period, now) }] : [];
        }),
      }));
      await budgets.book(bookings, dedupeTtlSeconds);
      await rows.write(batch.map((m) => ({ ...m, value: m.value as unknown as HelixEvent })));
    },
  };
}

export async function replayLedger(config: HelixConfig, opts: LedgerReplayOptions = {}): Promise<LedgerReplayResult> {
  const started = Date.now();
  const kafka = opts.kafka ?? createKafka(config.env.kafkaBrokers, 'helix-replay-ledger');
  const messages = await endOffsets(kafka, topicName('ledger', config.env.topicPrefix));
  const redis = createRedis(opts.redisUrl ?? config.env.redisUrl, { maxRetriesPerRequest: 2 });
  const store = opts.store ?? (await openAnalyticsStore(config.env));
  try {
    await migrate(store.client, { database: store.database, cluster: store.cluster });
    const budgets = new BudgetStore(redis, opts.redisPrefix ?? config.helix_settings.budgets.redis_prefix);
    const consumer = await runConsumer({
      kafka,
      groupId: opts.groupId ?? `helix-ledger-replay-${Date.now()}`,
      topics: ['ledger'],
      topicPrefix: config.env.topicPrefix,
      sink: replaySink(budgets, store, config.helix_settings.budgets.dedupe_ttl_seconds),
    });
    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    try {
      for (;;) {
        const { written, deadLettered } = consumer.stats();
        if (written + deadLettered >= messages) return { messages, entries: written, deadLettered, ms: Date.now() - started };
        if (Date.now() > deadline) throw new Error(`replay timed out after reading ${written + deadLettered} of ${messages} messages`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await consumer.stop();
    }
  } finally {
    redis.disconnect();
    if (!opts.store) await store.close();
  }
}

export async function replayLedgerCommand(args: string[], config: HelixConfig): Promise<number> {
  const result = await replayLedger(config, { redisUrl: flag(args, '--redis'), redisPrefix: flag(args, '--redis-prefix') });
  console.log(`replayed ${result.entries} ledger entries of ${result.messages} messages (${result.deadLettered} dead-lettered) in ${(result.ms / 1000).toFixed(1)} s`);
  return 0;
}
