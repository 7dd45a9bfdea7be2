// How the sink hands rows to ClickHouse: JSONEachRow lines, usually the Kafka message bytes themselves (an event's
// JSON is its row: structured fields land in their String columns as JSON text). Embedded, the lines go to chdb's
// raw insert (zero-copy, parallel parsing); with a ClickHouse server, to an HTTP insert as a byte stream. Either way
// nothing is parsed and re-serialized in JavaScript.
import { Readable } from 'node:stream';
import { join } from 'node:path';
import type { AnalyticsStore } from '../../clickhouse/store.ts';

export type RowInserter = (table: string, lines: Buffer[]) => Promise<void>;

/** Input settings that make an event's JSON its row. */
export const JSON_ROW_SETTINGS = {
  date_time_input_format: 'best_effort',
  /** `attempts` (an array) and similar fields go into String columns as their JSON text. */
  input_format_json_read_arrays_as_strings: 1,
  input_format_json_read_objects_as_strings: 1,
  /** Fields a newer producer added that this table does not have yet. */
  input_format_skip_unknown_fields: 1,
} as const;

const NEWLINE = Buffer.from('\n');

function joinLines(lines: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const line of lines) parts.push(line, NEWLINE);
  return Buffer.concat(parts);
}

/**
 * Through the store's ClickHouse client (any store; what a ClickHouse server gets). `exec` with a byte stream:
 * `insert` would want objects to serialize again.
 */
export function clientInserter(store: AnalyticsStore): RowInserter {
  return async (table, lines) => {
    const result = await store.client.exec({
      query: `INSERT INTO ${table} FORMAT JSONEachRow`,
      values: Readable.from([joinLines(lines)], { objectMode: false }),
      clickhouse_settings: JSON_ROW_SETTINGS,
    });
    // Drain the (empty) answer so the connection is released.
    for await (const _chunk of result.stream) void _chunk;
  };
}

interface ChdbSession {
  insert(params: { table: string; values: Buffer; format: 'JSONEachRow'; settings?: Record<string, string | number> }): Promise<unknown>;
  close(): void;
}

/**
 * chdb's raw insert on a second session of the embedded store (same process, same data directory — chdb shares
 * one engine between them). `dataDir` is HELIX_DATA_DIR: the embedded store lives in its `clickhouse/` (store.ts).
 */
export async function embeddedInserter(dataDir: string): Promise<{ insert: RowInserter; close(): void }> {
  const { Session } = (await import('chdb')) as unknown as { Session: new (path: string) => ChdbSession };
  const session = new Session(join(dataDir, 'clickhouse'));
  return {
    insert: async (table, lines) => {
      await session.insert({ table, values: joinLines(lines), format: 'JSONEachRow', settings: JSON_ROW_SETTINGS });
    },
    close: () => session.close(),
  };
}
