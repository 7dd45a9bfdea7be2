// The embedded store's read-only session: a second chdb session on the store's data directory, so its settings are
// its own. Limits are set first, then `readonly = 1`, after which ClickHouse refuses writes, DDL, SET and SETTINGS
// changes, and table functions that read files or networks, for the life of the session.
// chdb runs a session's queries one at a time and each waiting call holds a libuv thread, which the sink's inserts
// also need: queries wait here instead, a bounded number of them.
import { availableParallelism } from 'node:os';
import { CLIENT_SETTINGS } from './store.ts';
import { limitSettings, type SqlLimits } from './sql-limits.ts';
import { createSqlRunner, SqlError, type JsonAnswer, type SqlEngine, type SqlRunner } from './sql-guard.ts';

interface ChdbResult {
  json<T>(): T;
}
interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<ChdbResult>;
  queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<ChdbResult>;
  close(): void;
}

export interface SqlSession extends SqlRunner {
  close(): void;
}

export interface SqlSessionOptions {
  path: string;
  database: string;
  limits: SqlLimits;
  /** Queries allowed to wait while one runs; beyond that the answer is `busy`. */
  maxWaiting?: number;
}

export async function openSqlSession(opts: SqlSessionOptions): Promise<SqlSession> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.database)) throw new Error(`invalid database name: ${opts.database}`);
  const { Session } = (await import('chdb')) as unknown as { Session: new (path: string) => ChdbSession };
  const session = new Session(opts.path);
  try {
    // Half the cores at most: the sink ingests in this same process.
    const settings = { ...CLIENT_SETTINGS, ...limitSettings(opts.limits), max_threads: Math.max(1, Math.floor(availableParallelism() / 2)) };
    for (const [name, value] of Object.entries(settings)) await session.queryAsync(`SET ${name} = ${typeof value === 'number' ? value : `'${value}'`}`);
    await session.queryAsync(`USE ${opts.database}`);
    await session.queryAsync('SET readonly = 1');
  } catch (err) {
    session.close();
    throw err;
  }
  const engine: SqlEngine = {
    async json<T>(sql: string, params?: Record<string, string>) {
      try {
        const result = params ? await session.queryBindAsync(sql, params, { format: 'JSON' }) : await session.queryAsync(sql, { format: 'JSON' });
        return result.json<JsonAnswer<T>>();
      } catch (err) {
        // chdb keeps what a query wrote before failing (a JSON header, maybe rows) and puts it in front of the
        // session's next answer: one throwaway query takes it, so the next user neither sees it nor fails on it.
        await session.queryAsync('SELECT 1').catch(() => undefined);
        throw err;
      }
    },
  };
  const runner = createSqlRunner(engine, opts.database);
  const queue = serialQueue(opts.maxWaiting ?? 16);
  return { run: (sql, params) => queue(() => runner.run(sql, params)), close: () => session.close() };
}

function serialQueue(maxWaiting: number) {
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  return <T>(task: () => Promise<T>): Promise<T> => {
    if (waiting >= maxWaiting) return Promise.reject(new SqlError(`the SQL endpoint is busy (${waiting} queries waiting); try again shortly`, 'busy', 503));
    waiting++;
    const result = tail.then(() => {
      waiting--;
      return task();
    });
    tail = result.catch(() => undefined);
    return result;
  };
}
