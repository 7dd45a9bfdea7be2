// Runs a user's SQL on a read-only ClickHouse connection after ClickHouse itself has parsed it: the text becomes one
// canonical statement (formatQuerySingleLine, the query bound as a parameter, so nothing in it runs; it refuses
// multi-statements), its EXPLAIN AST is checked against the policy (sql-policy.ts), and that canonical statement is
// what runs, so the checked parse and the executed one are the same.
import { checkAst, deniedFunctionNames, READ_ONLY_MESSAGE, untrustedTables, type SqlPolicy } from './sql-policy.ts';
import { LIMIT_ERROR_CODES } from './sql-limits.ts';

export interface QueryResult {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
  rows: number;
  elapsed_ms: number;
}

export interface JsonAnswer<T = Record<string, unknown>> {
  meta?: Array<{ name: string; type: string }>;
  data: T[];
  rows?: number;
}

/** One read-only connection, answering in ClickHouse's JSON format; `params` bind `{name:String}` placeholders. */
export interface SqlEngine {
  json<T = Record<string, unknown>>(sql: string, params?: Record<string, string>): Promise<JsonAnswer<T>>;
}

export type SqlErrorCode = 'read_only' | 'limit_exceeded' | 'query_failed' | 'busy';

export class SqlError extends Error {
  constructor(
    message: string,
    readonly code: SqlErrorCode,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** `params` bind the query's `{name:Type}` placeholders: values never become SQL text. */
export type QueryParams = Record<string, string>;

export interface SqlRunner {
  run(sql: string, params?: QueryParams): Promise<QueryResult>;
}

/** Databases and tables change only with migrations; re-read at most this often. */
const METADATA_TTL_MS = 5_000;
const READONLY_ERROR_CODE = 164;
const READ_STATEMENT = /^(SELECT|WITH|EXPLAIN|DESCRIBE|SHOW|\()/;

interface Metadata {
  databases: string[];
  tables: Array<[name: string, engine: string, as_select: string, engine_full: string]>;
}

export function createSqlRunner(engine: SqlEngine, database: string): SqlRunner {
  let denied: Promise<Set<string>> | undefined;
  let policy: { at: number; value: Promise<SqlPolicy> } | undefined;
  const viewAsts = new Map<string, Promise<string>>();

  const explain = async (statement: string, params?: QueryParams) =>
    (await engine.json<{ explain: string }>(`EXPLAIN AST ${statement}`, params)).data.map((r) => r.explain).join('\n');
  const explainView = (sql: string) => {
    if (viewAsts.size > 1_000) viewAsts.clear();
    let ast = viewAsts.get(sql);
    if (!ast) {
      viewAsts.set(sql, (ast = explain(sql)));
      void ast.catch(() => viewAsts.delete(sql));
    }
    return ast;
  };

  const loadDenied = async () => {
    const tableFunctions = await engine.json<{ name: string }>('SELECT name FROM system.table_functions');
    const aliases = await engine.json<{ name: string; alias_to: string }>("SELECT name, alias_to FROM system.functions WHERE alias_to != ''");
    return deniedFunctionNames(tableFunctions.data.map((r) => r.name), aliases.data);
  };

  const loadPolicy = async (): Promise<SqlPolicy> => {
    if (!denied) {
      denied = loadDenied();
      void denied.catch(() => (denied = undefined));
    }
    const deniedFunctions = await denied;
    const answer = await engine.json<Metadata>(
      'SELECT (SELECT groupArray(name) FROM system.databases) AS databases, ' +
        '(SELECT groupArray([name, engine, as_select, engine_full]) FROM system.tables WHERE database = {db:String}) AS tables',
      { db: database },
    );
    const meta = answer.data[0] ?? { databases: [], tables: [] };
    const base = { database, databases: new Set(meta.databases), deniedFunctions };
    const tables = meta.tables.map(([name, engine, as_select, engine_full]) => ({ name, engine, as_select, engine_full }));
    return { ...base, untrustedTables: await untrustedTables(tables, base, explainView) };
  };

  const currentPolicy = () => {
    if (!policy || performance.now() - policy.at > METADATA_TTL_MS) {
      const value = loadPolicy();
      policy = { at: performance.now(), value };
      void value.catch(() => (policy = undefined));
    }
    return policy.value;
  };

  return {
    async run(sql, params) {
      const started = performance.now();
      try {
        const parsed = await engine.json<{ statement: string }>('SELECT formatQuerySingleLine({q:String}) AS statement', { q: sql });
        const statement = parsed.data[0]?.statement ?? '';
        // Canonical text starts with its statement's keyword: anything else is refused before being explained.
        if (!READ_STATEMENT.test(statement)) throw new SqlError(READ_ONLY_MESSAGE, 'read_only');
        // Bound values are literals in the checked parse, as in the executed one.
        const refusal = checkAst(await explain(statement, params), await currentPolicy());
        if (refusal) throw new SqlError(refusal, 'read_only');
        const body = await engine.json(statement, params);
        return { meta: body.meta ?? [], data: body.data, rows: body.rows ?? body.data.length, elapsed_ms: Math.round((performance.now() - started) * 100) / 100 };
      } catch (err) {
        throw asSqlError(err);
      }
    },
  };
}

/** A ClickHouse error as the SQL surface reports it: first line, without the `Code: N. DB::Exception:` prefix. */
export function asSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const e = err as { message?: string; clickhouseCode?: number; code?: string | number };
  const raw = String(e.message ?? err);
  const code = e.clickhouseCode ?? (Number(e.code) || Number(/Code: (\d+)\./.exec(raw)?.[1]));
  // A syntax error names the parsing query ("In scope SELECT formatQuerySingleLine('…')"): only the user's part is kept.
  const message = raw
    .replace(/[ .:]*In scope SELECT formatQuerySingleLine\([\s\S]*$/, '')
    .split('\n')[0]!
    .replace(/Code: \d+\. DB::Exception: /g, '')
    .replace(/ \(version [^)]*\)/g, '')
    .replace(/( \([A-Z_]+\))\.\1$/, '$1');
  if (code === READONLY_ERROR_CODE) return new SqlError(message, 'read_only');
  if (LIMIT_ERROR_CODES.has(code)) return new SqlError(message, 'limit_exceeded');
  return new SqlError(message, 'query_failed');
}
