// ClickHouse sink: events → rows of the table each event type maps to (schemas/events.ts). Exactly-once rows:
// duplicates inside a batch are dropped, and ids already stored are skipped before the insert (so materialized
// views, which see exactly the inserted rows, never count an event twice). Values a column cannot hold are refused
// when decoding (column-limits.ts); a row ClickHouse refuses anyway is isolated by the consume loop.
import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { EVENT_TYPES, columnsOf, type HelixEvent } from '../schemas/events.ts';
import { decodeStorableEvent } from './column-limits.ts';
import type { AnalyticsStore } from './store.ts';
import type { DecodedMessage, Sink } from '../lib/consume/sink.ts';
import { clientInserter, type RowInserter } from './rows.ts';

/** Columns whose ClickHouse type is String but whose event value is structured (stored as JSON text). */
const jsonColumns = new Map<string, Set<string>>(
  Object.values(EVENT_TYPES).map((d) => [d.table, new Set(columnsOf(d.schema).filter((c) => c.type === 'String').map((c) => c.name))]),
);

export function toRow(table: string, event: HelixEvent): Record<string, unknown> {
  const asJson = jsonColumns.get(table);
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event)) row[k] = asJson?.has(k) && v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  return row;
}

/** The message bytes each decoded event came from: validated JSON that is already its row. */
const rawOf = new WeakMap<HelixEvent, Buffer>();

const lineOf = (table: string, e: HelixEvent) => rawOf.get(e) ?? Buffer.from(JSON.stringify(toRow(table, e)));

/** One table's insert of a batch: decided once (dedupe), then retried as is until it succeeds. */
interface Plan {
  lines: Buffer[];
  token: string;
}

const tokenOf = (table: string, events: HelixEvent[]) => {
  const h = createHash('sha256').update(table);
  for (const e of events) h.update(e.event_id);
  return h.digest('hex');
};

export function clickhouseSink(store: AnalyticsStore, insert: RowInserter = clientInserter(store)): Sink<HelixEvent> {
  const db = store.database;
  // Plans of batches whose write failed, by batch (the consume loop retries a write with the same array). A retry
  // must re-send the identical block: re-deduplicating would drop rows the table got but its views may not have.
  const retrying = new WeakMap<object, Map<string, Plan>>();
  // Query parameters travel in the URL to a ClickHouse server, which caps URLs; embedded there is no URL.
  const idsPerQuery = store.embedded ? Infinity : IDS_PER_QUERY;
  return {
    decode(message: KafkaMessage) {
      const result = decodeStorableEvent(message);
      if (result.ok) rawOf.set(result.value, message.value!);
      return result;
    },

    async write(batch: Array<DecodedMessage<HelixEvent>>) {
      const byTable = new Map<string, Map<string, HelixEvent>>();
      for (const { value } of batch) {
        const table = EVENT_TYPES[value.type].table;
        const rows = byTable.get(table) ?? new Map<string, HelixEvent>();
        rows.set(value.event_id, value);
        byTable.set(table, rows);
      }
      const plans = retrying.get(batch) ?? new Map<string, Plan>();
      retrying.set(batch, plans);
      // Tables are independent: their dedupe queries and inserts run side by side (ClickHouse works off-thread).
      // All of them settle before the write fails: a part of the batch written next must not race an insert of
      // this one still under way (its dedupe query would miss those rows).
      const outcomes = await Promise.allSettled(
        [...byTable].map(async ([table, events]) => {
          let plan = plans.get(table);
          if (!plan) {
            const fresh = await withoutStored(store, `${db}.${table}`, [...events.values()], idsPerQuery);
            plan = { lines: fresh.map((e) => lineOf(table, e)), token: tokenOf(table, fresh) };
            plans.set(table, plan);
          }
          if (plan.lines.length > 0) await insert(`${db}.${table}`, plan.lines, plan.token);
        }),
      );
      const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `${failures.length} table inserts failed`);
      retrying.delete(batch);
    },
  };
}

/** Ids per dedupe query to a ClickHouse server: ~80 KB of URL, well under its http_max_uri_size (1 MiB). */
const IDS_PER_QUERY = 2_000;

/** Drops events whose id is already in the table (redelivery after a crash between insert and offset commit). */
async function withoutStored(store: AnalyticsStore, table: string, events: HelixEvent[], idsPerQuery: number): Promise<HelixEvent[]> {
  const stored = new Set<string>();
  for (let i = 0; i < events.length; i += idsPerQuery) {
    for (const id of await storedIds(store, table, events.slice(i, i + idsPerQuery))) stored.add(id);
  }
  return stored.size === 0 ? events : events.filter((e) => !stored.has(e.event_id));
}

async function storedIds(store: AnalyticsStore, table: string, events: HelixEvent[]): Promise<string[]> {
  let min = events[0]!.ts;
  let max = min;
  for (const e of events) {
    if (e.ts < min) min = e.ts;
    if (e.ts > max) max = e.ts;
  }
  const rs = await store.client.query({
    query: `SELECT toString(event_id) AS id FROM ${table} WHERE toStartOfHour(ts) BETWEEN toStartOfHour(parseDateTime64BestEffort({min:String}, 3, 'UTC')) AND toStartOfHour(parseDateTime64BestEffort({max:String}, 3, 'UTC')) AND event_id IN {ids:Array(UUID)}`,
    query_params: { min, max, ids: events.map((e) => e.event_id) },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ id: string }>()).map((r) => r.id);
}
