// Prints the column list of an event type's table, derived from its schema — a starting point for a new
// migration (the schema test then keeps the two in step). Usage: npx tsx clickhouse/ddl.ts <event type>
import { EVENT_TYPES, columnsOf, type EventType } from '../schemas/events.ts';

const type = process.argv[2] as EventType | undefined;
const def = type ? EVENT_TYPES[type] : undefined;
if (!def) {
  console.error(`usage: ddl.ts <${Object.keys(EVENT_TYPES).join('|')}>`);
  process.exit(1);
}
const cols = columnsOf(def.schema).map((c) => `    ${c.name} ${c.type},`);
console.log(`CREATE TABLE IF NOT EXISTS {database}.${def.table}\n(\n${cols.join('\n')}\n    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)\n)`);
