// Upstream HTTP for every adapter: one undici keep-alive Pool per origin (reused across requests), the call's
// timeout, and the caller's abort signal wired to the socket (a client disconnect closes the upstream connection).
//   - requestJson:  whole call bounded by timeoutMs.
//   - requestSse:   timeoutMs bounds time-to-headers and every silence between body chunks (a long stream that keeps
//                   producing is never cut), events are yielded as they are parsed — nothing is buffered.
//   - requestStream: the same for a body that is not SSE (binary event streams): raw chunks as they arrive.
// Non-2xx answers and transport failures become UpstreamError (see errors.ts).
import { EventEmitter } from 'node:events';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { UpstreamError } from '../types.ts';
import { transportError, upstreamErrorFromResponse, type FailureCause, type HeaderBag } from './errors.ts';
import { parseSse, type SseEvent } from './sse.ts';

const USER_AGENT = 'helix-gateway';
const MAX_ERROR_BODY = 64 * 1024;

const pools = new Map<string, Pool>();

export const POOL_OPTIONS: Pool.Options = {
  connections: null, // unlimited; the router bounds concurrency
  pipelining: 1,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  headersTimeout: 0, // timeouts are enforced per call below
  bodyTimeout: 0,
  connect: { timeout: 10_000 },
};

/** The keep-alive pool for an origin (`https://api.openai.com`), created on first use. */
export function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool || pool.closed || pool.destroyed) {
    pool = new Pool(origin, POOL_OPTIONS);
    pools.set(origin, pool);
  }
  return pool;
}

/** Closes every pool (shutdown, tests). */
export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
}

/** `base` + `/path`, tolerant of trailing and leading slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export interface UpstreamCall {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as-is instead of `body` (a signed request must send exactly the bytes it signed). */
  bodyText?: string;
  /** Reads an HTTP error answer for providers whose errors the common shapes miss (default: upstreamErrorFromResponse). */
  toError?: (status: number, headers: HeaderBag, bodyText: string) => UpstreamError;
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * What undici is given as the call's `signal`. undici takes an EventEmitter with `aborted` as well as an AbortSignal
 * (documented); an AbortController costs far more CPU to set up and tear down than an emitter (bench/micro.ts), and
 * one is needed for every upstream call.
 */
class CallSignal extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/**
 * Owns one call's abort signal: the caller's signal and the timeout both abort it, and it remembers which.
 * It listens to the caller's signal itself (handleEvent) rather than through an arrow-function field: one closure
 * less per call.
 */
class CallGuard {
  readonly signal = new CallSignal();
  cause: FailureCause;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outer: AbortSignal,
    readonly timeoutMs: number,
  ) {
    if (outer.aborted) this.abort('client-abort');
    else outer.addEventListener('abort', this, { once: true });
    this.arm();
  }

  /** The caller's signal fired: the client went away. */
  handleEvent(): void {
    this.abort('client-abort');
  }

  /** (Re)starts the timeout. */
  arm(): void {
    this.pause();
    if (this.timeoutMs > 0 && Number.isFinite(this.timeoutMs) && !this.signal.aborted) {
      this.timer = setTimeout(() => this.abort('timeout'), this.timeoutMs);
    }
  }

  pause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.pause();
    this.outer.removeEventListener('abort', this);
  }

  fail(err: unknown): UpstreamError {
    return transportError(err, this.cause, this.timeoutMs);
  }

  private abort(cause: Exclude<FailureCause, undefined>): void {
    this.cause ??= cause;
    this.signal.abort();
  }
}

/** Origin and request path of upstream URLs, parsed once: deployments call the same few URLs on every request. */
const parsedUrls = new Map<string, { origin: string; path: string }>();

function parseUpstreamUrl(raw: string): { origin: string; path: string } {
  let parsed = parsedUrls.get(raw);
  if (!parsed) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UpstreamError(500, `invalid upstream URL "${raw}"`, { code: 'invalid_api_base' });
    }
    parsed = { origin: url.origin, path: `${url.pathname}${url.search}` };
    if (parsedUrls.size >= 1_000) parsedUrls.clear(); // URLs come from config: a handful; bounded regardless
    parsedUrls.set(raw, parsed);
  }
  return parsed;
}

async function send(call: UpstreamCall, guard: CallGuard, accept: string): Promise<Dispatcher.ResponseData> {
  if (guard.signal.aborted) throw guard.fail(new Error('aborted before the request was sent'));
  const url = parseUpstreamUrl(call.url);
  const headers: Record<string, string> = { accept, 'user-agent': USER_AGENT, ...call.headers };
  const body = call.bodyText ?? (call.body !== undefined ? JSON.stringify(call.body) : undefined);
  const hasBody = body !== undefined;
  if (hasBody) headers['content-type'] ??= 'application/json';
  try {
    return await poolFor(url.origin).request({
      method: call.method ?? (hasBody ? 'POST' : 'GET'),
      path: url.path,
      headers,
      body,
      signal: guard.signal,
    });
  } catch (err) {
    throw guard.fail(err);
  }
}

async function readText(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).toString('utf8');
}

async function errorFrom(res: Dispatcher.ResponseData, guard: CallGuard, call: UpstreamCall): Promise<UpstreamError> {
  try {
    return (call.toError ?? upstreamErrorFromResponse)(res.statusCode, res.headers, await readText(res.body, MAX_ERROR_BODY));
  } catch (err) {
    return guard.fail(err);
  }
}

/** A JSON request whose whole duration (headers + body) is bounded by timeoutMs. */
export async function requestJson<T>(call: UpstreamCall): Promise<T> {
  const guard = new CallGuard(call.signal, call.timeoutMs);
  try {
    const res = await send(call, guard, 'application/json');
    if (res.statusCode < 200 || res.statusCode >= 300) throw await errorFrom(res, guard, call);
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw guard.fail(err);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UpstreamError(502, `upstream returned invalid JSON: ${text.slice(0, 200)}`, { code: 'invalid_upstream_response' });
    }
  } finally {
    guard.dispose();
  }
}

/** Body chunks with the idle timeout re-armed while waiting for each one (not while the consumer is busy). */
async function* idleGuarded(body: Dispatcher.ResponseData['body'], guard: CallGuard): AsyncGenerator<Buffer, void, undefined> {
  guard.arm();
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      guard.pause();
      yield chunk;
      guard.arm();
    }
  } catch (err) {
    throw guard.fail(err);
  }
  if (guard.cause) throw guard.fail(new Error('stream aborted'));
}

/**
 * Streams a response body chunk by chunk. The request goes out on the first `next()`; errors before the first
 * chunk (HTTP status, connection, timeout) surface there, so the router can still retry. Stopping the iteration
 * early (or aborting the signal) closes the upstream connection.
 */
export async function* requestStream(call: UpstreamCall, accept: string): AsyncGenerator<Buffer, void, undefined> {
  const guard = new CallGuard(call.signal, call.timeoutMs);
  let res: Dispatcher.ResponseData | undefined;
  let completed = false;
  try {
    res = await send(call, guard, accept);
    if (res.statusCode < 200 || res.statusCode >= 300) throw await errorFrom(res, guard, call);
    const contentType = String(res.headers['content-type'] ?? '');
    if (contentType.includes('application/json')) {
      // Some servers answer a stream request with a JSON error and status 200.
      const err = await errorFrom(res, guard, call);
      throw new UpstreamError(502, `expected an event stream, got JSON: ${err.message}`, { ...err.options, code: err.options.code ?? 'invalid_upstream_response' });
    }
    yield* idleGuarded(res.body, guard);
    completed = true;
  } finally {
    guard.dispose();
    // Consumer stopped early (client gone, error downstream): drop the connection instead of draining it.
    if (res && !completed && !res.body.destroyed) res.body.destroy();
  }
}

/** Streams an SSE response event by event (see requestStream for when errors surface and how it stops). */
export async function* requestSse(call: UpstreamCall): AsyncGenerator<SseEvent, void, undefined> {
  yield* parseSse(requestStream(call, 'text/event-stream'));
}
