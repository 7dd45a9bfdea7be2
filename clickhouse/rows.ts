// How the sink hands rows to ClickHouse: JSONEachRow lines, usually the Kafka message bytes themselves (an event's
// JSON is its row: structured fields land in their String columns as JSON text). Embedded, the lines go to chdb's
// raw insert (zero-copy, parallel parsing); with a ClickHouse server, to an HTTP insert as a byte stream. Either way
// nothing is parsed and re-serialized in JavaScript.
//
// Every insert carries a deduplication token (a hash of its event ids). If ClickHouse dies after storing the rows
// but before its materialized views stored theirs, the sink retries the very same block with the same token: the
// table skips the block, and the views — `deduplicate_blocks_in_dependent_materialized_views` — store what they
// missed (and skip what they have). The settings go in the statement's SETTINGS clause, never into a session, so
// nothing sticks to later inserts.
import { Readable } from 'node:stream';
import { embeddedStorePath, type AnalyticsStore } from './store.ts';

/** Inserts JSONEachRow lines into a table; `token` identifies the block for ClickHouse's insert deduplication. */
export type RowInserter = (table: string, lines: Buffer[], token: string) => Promise<void>;

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

/** Per-insert settings: JSON rows, the block's token, and deduplication that reaches the materialized views. */
function insertSettings(token: string): Record<string, string | number> {
  if (!/^[0-9a-f]+$/.test(token)) throw new Error('deduplication token must be hex');
  return { ...JSON_ROW_SETTINGS, insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 };
}

const settingsClause = (settings: Record<string, string | number>) =>
  Object.entries(settings)
    .map(([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${v}'`}`)
    .join(', ');

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
  return async (table, lines, token) => {
    const result = await store.client.exec({
      query: `INSERT INTO ${table} SETTINGS ${settingsClause(insertSettings(token))} FORMAT JSONEachRow`,
      values: Readable.from([joinLines(lines)], { objectMode: false }),
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
  const session = new Session(embeddedStorePath(dataDir));
  return {
    insert: async (table, lines, token) => {
      // chdb turns `settings` into the statement's SETTINGS clause.
      await session.insert({ table, values: joinLines(lines), format: 'JSONEachRow', settings: insertSettings(token) });
    },
    close: () => session.close(),
  };
}
