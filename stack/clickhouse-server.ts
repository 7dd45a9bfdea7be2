// A ClickHouse-HTTP-compatible server backed by embedded chdb: the part of ClickHouse's HTTP interface that
// @clickhouse/client uses (query in the URL or the body, `INSERT … FORMAT JSONEachRow` with rows in the body,
// `param_*` query parameters, settings as URL parameters, /ping, errors as `Code: N. DB::Exception …`).
// It lets Helix run in its CLICKHOUSE_URL mode — and lets tests stop "ClickHouse" on its own — on machines without
// a ClickHouse server. Not for production: one chdb session, statements run one at a time.
//
//   npx tsx stack/clickhouse-server.ts --port 8123 --path .data/clickhouse-server
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { checkReadOnlySql } from '../clickhouse/read-only-sql.ts';

/** Parameters that are part of the HTTP protocol, not settings. */
const PROTOCOL_PARAMS = new Set(['query', 'database', 'query_id', 'user', 'password', 'session_id', 'session_timeout', 'session_check', 'default_format', 'compress', 'decompress', 'role', 'buffer_size', 'quota_key']);
/** Settings only the HTTP layer understands (chdb rejects them); clickhouse-js sends some by default. */
const HTTP_ONLY_SETTINGS = new Set([
  'wait_end_of_query', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'http_send_progress_interval_ms', 'http_response_buffer_size',
  'enable_http_compression', 'http_zlib_compression_level', 'http_native_compression_disable_checksumming_on_decompress', 'cancel_http_readonly_queries_on_client_close',
]);
const FORMAT_CLAUSE = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i;
const CONTENT_TYPES: Record<string, string> = {
  JSON: 'application/json; charset=UTF-8',
  JSONEachRow: 'application/x-ndjson; charset=UTF-8',
  JSONCompact: 'application/json; charset=UTF-8',
  CSV: 'text/csv; charset=UTF-8; header=absent',
};

interface Session {
  queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string; rowsRead: number; bytesRead: number; elapsed: number }>;
  close(): void;
}

/** A string literal of the raw text (backslash and quote escaped), so `SET param_x = …` hands the engine the text as sent. */
const literal = (raw: string) => `'${raw.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const settingValue = (raw: string) => (/^-?\d+(\.\d+)?$/.test(raw) ? raw : literal(raw));

export interface ParsedRequest {
  sql: string;
  /** Statements to run first: settings that changed, query parameters. */
  prelude: string[];
  format: string;
  readonly: boolean;
  queryId: string;
}

/**
 * Translates one HTTP request into the statement chdb runs. ClickHouse concatenates the `query` URL parameter and
 * the body (the body being INSERT data or the rest of the query); without `query`, the body is the query.
 */
export function translate(params: URLSearchParams, body: string, applied: Map<string, string>): ParsedRequest {
  const urlQuery = params.get('query');
  const sql = urlQuery === null ? body : body.length > 0 ? `${urlQuery}\n${body}` : urlQuery;
  const prelude: string[] = [];
  let readonly = false;
  for (const [name, value] of params) {
    if (name.startsWith('param_')) {
      prelude.push(`SET ${name} = ${literal(value)}`);
      continue;
    }
    if (PROTOCOL_PARAMS.has(name) || HTTP_ONLY_SETTINGS.has(name)) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ClickHouseError(115, `Unknown setting ${name}`, 'UNKNOWN_SETTING');
    // The chdb session keeps settings, so readonly would stick and block later writers: enforced per statement instead.
    if (name === 'readonly') {
      readonly = value !== '0';
      continue;
    }
    if (applied.get(name) === value) continue;
    prelude.push(`SET ${name} = ${settingValue(value)}`);
  }
  const database = params.get('database');
  if (database && database !== applied.get('__database')) prelude.push(`USE ${database.replace(/[^A-Za-z0-9_]/g, '')}`);
  const isInsert = /^\s*insert\b/i.test(urlQuery ?? sql);
  const format = isInsert ? 'TabSeparated' : (FORMAT_CLAUSE.exec(sql)?.[1] ?? params.get('default_format') ?? 'TabSeparated');
  return { sql, prelude, format, readonly, queryId: params.get('query_id') ?? randomUUID() };
}

export class ClickHouseError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly type: string,
  ) {
    super(message);
  }
  /** The body ClickHouse answers errors with (clickhouse-js parses code, message and type out of it). */
  render(): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.type})\n`;
  }
}

function fromChdb(err: unknown): ClickHouseError {
  const message = err instanceof Error ? err.message : String(err);
  const m = /Code: (\d+)\. DB::Exception: ([\s\S]*?)\.? \(([A-Z_]+)\)/.exec(message);
  return m ? new ClickHouseError(Number(m[1]), m[2]!, m[3]!) : new ClickHouseError(1001, message, 'STD_EXCEPTION');
}

/** Runs statements one at a time on the one chdb session (settings and parameters are session state). */
class Executor {
  private chain: Promise<unknown> = Promise.resolve();
  readonly applied = new Map<string, string>();

  constructor(private readonly session: Session) {}

  run(req: (applied: Map<string, string>) => ParsedRequest): Promise<{ text: string; parsed: ParsedRequest; rows: number; bytes: number; elapsed: number }> {
    const next = this.chain.then(async () => {
      const parsed = req(this.applied);
      if (parsed.readonly) {
        const refused = checkReadOnlySql(parsed.sql);
        if (refused) throw new ClickHouseError(164, `Cannot execute query in readonly mode: ${refused}`, 'READONLY');
      }
      try {
        for (const statement of parsed.prelude) await this.session.queryAsync(statement, { format: 'TabSeparated' });
        const result = await this.session.queryAsync(parsed.sql, { format: parsed.format });
        remember(this.applied, parsed.prelude);
        return { text: result.text(), parsed, rows: result.rowsRead, bytes: result.bytesRead, elapsed: result.elapsed };
      } catch (err) {
        // A failed prelude may have applied part of it: forget what we know so the next request sets everything.
        this.applied.clear();
        throw err instanceof ClickHouseError ? err : fromChdb(err);
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function remember(applied: Map<string, string>, prelude: string[]): void {
  for (const statement of prelude) {
    const set = /^SET ([A-Za-z_][A-Za-z0-9_]*) = (.*)$/s.exec(statement);
    if (set && !set[1]!.startsWith('param_')) applied.set(set[1]!, unquote(set[2]!));
    const use = /^USE (\w+)$/.exec(statement);
    if (use) applied.set('__database', use[1]!);
  }
}

const unquote = (v: string) => (v.startsWith("'") ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

export async function startClickhouseServer(opts: { port: number; host?: string; path: string }) {
  mkdirSync(opts.path, { recursive: true });
  const { Session } = (await import('chdb')) as unknown as { Session: new (path: string) => Session };
  const session = new Session(opts.path);
  const executor = new Executor(session);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      res.writeHead(404).end(new ClickHouseError(0, `There is no handle ${url.pathname}`, 'UNKNOWN').render());
      return;
    }
    if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      res.writeHead(400).end(new ClickHouseError(1, 'multipart query parameters are not supported by this server', 'NOT_IMPLEMENTED').render());
      return;
    }
    const body = await readBody(req);
    try {
      const out = await executor.run((applied) => translate(url.searchParams, body, applied));
      const written = /^\s*insert\b/i.test(out.parsed.sql) ? out.rows : 0;
      const summary = {
        read_rows: String(out.rows), read_bytes: String(out.bytes), written_rows: String(written), written_bytes: written ? String(out.bytes) : '0',
        total_rows_to_read: '0', result_rows: written ? '0' : String(out.rows), result_bytes: '0', elapsed_ns: String(Math.round(out.elapsed * 1e9)),
      };
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[out.parsed.format] ?? 'text/tab-separated-values; charset=UTF-8',
        'x-clickhouse-query-id': out.parsed.queryId,
        'x-clickhouse-format': out.parsed.format,
        'x-clickhouse-summary': JSON.stringify(summary),
      });
      res.end(out.text);
    } catch (err) {
      const ch = err instanceof ClickHouseError ? err : fromChdb(err);
      res.writeHead(ch.code === 164 ? 403 : 500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': String(ch.code) });
      res.end(ch.render());
    }
  };

  // ClickHouse takes query parameters in the URL up to 1 MiB (http_max_uri_size); Node's default is 16 KiB.
  const server = createServer({ maxHeaderSize: 2 * 1024 * 1024 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(fromChdb(err).render());
    });
  });
  // Malformed or oversized requests: answer in ClickHouse's error format, so clients report why.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // A reset or half-closed connection has nobody to answer (Node's own default does the same).
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const body = new ClickHouseError(1001, `bad HTTP request: ${err.code ?? err.message}`, 'STD_EXCEPTION').render();
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nx-clickhouse-exception-code: 1001\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolvePromise());
  });
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${opts.port}`,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      session.close();
    },
  };
}

async function main() {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8123' }, host: { type: 'string', default: '127.0.0.1' }, path: { type: 'string', default: '.data/clickhouse-server' } } });
  const server = await startClickhouseServer({ port: Number(values.port), host: values.host, path: resolve(values.path!) });
  console.log(`clickhouse-compatible server (chdb) on ${server.url}, data in ${resolve(values.path!)}`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    console.error(`clickhouse-server: ${(err as Error).message}`);
    process.exit(1);
  });
}
