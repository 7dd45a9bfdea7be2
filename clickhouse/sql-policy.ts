// What a user's SQL may touch, judged on ClickHouse's own parse of it (the lines of `EXPLAIN AST`), never on the raw
// text: comments, quoting, case and spacing are gone by then. Identifiers and aliases are printed unescaped, so a
// name holding a newline can add lines of its own; every rule below therefore looks at one line alone (a line can be
// added but never hidden), and the statement kind is read from the first lines, which come before any user text.
export interface SqlPolicy {
  /** Helix's database: readable, and where unqualified names resolve. */
  database: string;
  /** Databases that exist (a dotted identifier naming one of them is a table reference). */
  databases: ReadonlySet<string>;
  /** Lower-case names of functions and table functions that reach outside the database. */
  deniedFunctions: ReadonlySet<string>;
  /** Tables of Helix's database that read something else (see untrustedTables). */
  untrustedTables: ReadonlySet<string>;
}

/** Table functions that only generate data (and `view`, whose query is checked like any other). */
export const READABLE_TABLE_FUNCTIONS = ['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generate_series', 'generateSeries', 'values', 'SQLStandardValues', 'view'];
/** Scalar functions sharing a table function's name; the table-function form is refused by `readonly` itself. */
const SAFE_SCALAR_NAMESAKES = ['format'];
/** Scalar functions that read files, dictionaries, Join tables or other servers. */
export const DENIED_SCALAR_FUNCTIONS = ['file', 'joinGet', 'joinGetOrNull', 'catboostEvaluate', 'hasColumnInTable'];
const DICTIONARY_FUNCTION = /^dict(get|has|isin)/;

/** System tables that describe Helix's schema or the engine; nothing about the host, processes, users or logs. */
export const READABLE_SYSTEM_TABLES = new Set([
  'one', 'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'databases', 'tables', 'columns', 'parts', 'settings',
  'functions', 'table_functions', 'aggregate_function_combinators', 'data_type_families', 'formats', 'time_zones',
]);
/** Views over the readable system tables. */
const METADATA_DATABASES = new Set(['INFORMATION_SCHEMA', 'information_schema']);

/** Engines that store rows themselves; View is checked by its query, anything else (File, URL, Dictionary…) refused. */
const LOCAL_ENGINE = /^(\w*MergeTree|MaterializedView|Memory|Null|Log|TinyLog|StripeLog)$/;

export const READ_ONLY_MESSAGE = 'only read queries (SELECT, WITH, EXPLAIN, DESCRIBE, SHOW TABLES) are allowed';

export function deniedFunctionNames(tableFunctions: string[], aliases: Array<{ name: string; alias_to: string }>): Set<string> {
  const allowed = new Set([...READABLE_TABLE_FUNCTIONS, ...SAFE_SCALAR_NAMESAKES].map((n) => n.toLowerCase()));
  const denied = new Set([...tableFunctions, ...DENIED_SCALAR_FUNCTIONS].map((n) => n.toLowerCase()).filter((n) => !allowed.has(n)));
  for (const a of aliases) if (denied.has(a.alias_to.toLowerCase())) denied.add(a.name.toLowerCase());
  return denied;
}

/** Why the parsed query is refused, or undefined when it only reads what the policy allows. */
export function checkAst(ast: string, policy: SqlPolicy): string | undefined {
  const lines = ast.split('\n').filter((l) => l.trim() !== '');
  return checkStatement(lines) ?? firstDefined(lines, (line) => checkLine(line, policy));
}

/** A Distributed table's cluster, database and table, as system.tables.engine_full spells them. */
const DISTRIBUTED_OVER = /^Distributed\('[^']*', '([^']*)', '([^']*)'/;

/**
 * Which tables of Helix's database read outside it: any engine that does not store rows itself — except a Distributed
 * table over a table of this database that does (on a cluster, cluster-ddl.ts) — and views whose query fails the
 * policy (also through other views). `explain` returns a view query's `EXPLAIN AST`.
 */
export async function untrustedTables(
  tables: Array<{ name: string; engine: string; as_select: string; engine_full?: string }>,
  policy: Omit<SqlPolicy, 'untrustedTables'>,
  explain: (sql: string) => Promise<string>,
): Promise<Set<string>> {
  const storing = new Set(tables.filter((t) => LOCAL_ENGINE.test(t.engine)).map((t) => t.name));
  const overStoring = (t: { engine: string; engine_full?: string }) => {
    const over = t.engine === 'Distributed' ? DISTRIBUTED_OVER.exec(t.engine_full ?? '') : null;
    return over !== null && over[1] === policy.database && storing.has(over[2]!);
  };
  const untrusted = new Set(tables.filter((t) => t.engine !== 'View' && !storing.has(t.name) && !overStoring(t)).map((t) => t.name));
  const views = await Promise.all(tables.filter((t) => t.engine === 'View').map(async (t) => ({ name: t.name, ast: await explain(t.as_select).catch(() => undefined) })));
  for (let changed = true; changed; ) {
    changed = false;
    for (const v of views) {
      if (untrusted.has(v.name)) continue;
      if (v.ast === undefined || checkAst(v.ast, { ...policy, untrustedTables: untrusted })) {
        untrusted.add(v.name);
        changed = true;
      }
    }
  }
  return untrusted;
}

const SHAPE_MESSAGES: Record<string, string> = {
  SelectWithUnionQuery: 'INTO OUTFILE and FORMAT are not allowed (answers are JSON)',
  DescribeQuery: 'INTO OUTFILE and FORMAT are not allowed (answers are JSON)',
  Explain: 'EXPLAIN takes a SELECT, without options, INTO OUTFILE or FORMAT',
  ShowTables: 'SHOW takes no FROM, INTO OUTFILE or FORMAT (SHOW TABLES lists the Helix database)',
};

/** Only a plain read statement, with nothing that writes its answer elsewhere (INTO OUTFILE) or reformats it. */
function checkStatement(lines: string[]): string | undefined {
  const [root = '', first = ''] = lines;
  const kind = root.split(' ')[0]!;
  const plain =
    root === 'SelectWithUnionQuery (children 1)' ||
    root === 'DescribeQuery (children 1)' ||
    (root === 'ShowTables' && lines.length === 1) ||
    (/^Explain EXPLAIN[A-Z ]* \(children 1\)$/.test(root) && first === ' SelectWithUnionQuery (children 1)');
  if (plain) return undefined;
  return SHAPE_MESSAGES[kind] ?? READ_ONLY_MESSAGE;
}

function checkLine(line: string, policy: SqlPolicy): string | undefined {
  const fn = /^\s*Function (\S+)/.exec(line);
  if (fn) {
    const name = fn[1]!;
    const lower = name.toLowerCase();
    if (policy.deniedFunctions.has(lower) || DICTIONARY_FUNCTION.test(lower)) return `${name}() is not allowed: ${readableSummary(policy.database)}`;
    return undefined;
  }
  const id = /^\s*(TableIdentifier|Identifier) (\S+)/.exec(line);
  if (!id) return undefined;
  const parts = id[2]!.split('.');
  const isTable = id[1] === 'TableIdentifier';
  if ((isTable && parts.length > 1) || policy.databases.has(parts[0]!)) {
    if (!readableQualified(parts, policy.database)) return `${id[2]} is not readable: ${readableSummary(policy.database)}`;
  }
  const local = parts.length === 1 ? parts[0] : parts[0] === policy.database ? parts[1] : undefined;
  if (local !== undefined && policy.untrustedTables.has(local)) return `${policy.database}.${local} reads outside the ${policy.database} database and is not allowed`;
  return undefined;
}

export const readableSummary = (database: string) =>
  `the SQL surface reads the ${database} database, INFORMATION_SCHEMA and system.{${[...READABLE_SYSTEM_TABLES].join(', ')}} only`;

function readableQualified([db, table]: string[], database: string): boolean {
  if (db === database || METADATA_DATABASES.has(db!)) return true;
  return db === 'system' && table !== undefined && READABLE_SYSTEM_TABLES.has(table);
}

function firstDefined<T>(items: T[], f: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const r = f(item);
    if (r !== undefined) return r;
  }
  return undefined;
}
