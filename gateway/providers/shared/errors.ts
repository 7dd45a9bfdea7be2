// Upstream failures → UpstreamError, provider-agnostic: HTTP error responses (any of the common JSON error
// shapes), Retry-After hints, and transport failures (connection refused/reset → 502, timeouts → 504, client
// abort → 499) so the router can decide what to retry.
import { isRecord } from '../../../lib/is-record.ts';
import { UpstreamError } from '../types.ts';

export type HeaderBag = Record<string, string | string[] | undefined>;

/** Status used when the gateway's own client went away; the router never retries it. */
export const CLIENT_CLOSED_STATUS = 499;

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `retry-after-ms` (milliseconds, OpenAI/Azure) wins over `retry-after` (seconds or an HTTP date). */
export function retryAfterMsFrom(headers: HeaderBag, nowMs: number = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.round(n);
  }
  const ra = header(headers, 'retry-after');
  if (ra === undefined || ra.trim() === '') return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

interface ErrorFields {
  message?: string;
  type?: string;
  code?: string;
}

/**
 * Pulls message/type/code out of the error bodies seen in the wild:
 * `{error:{message,type,code}}` (OpenAI, Azure, Groq, OpenRouter), `{type:"error",error:{type,message}}` (Anthropic),
 * `{error:"text"}` (Ollama), `{message,type,code}` (vLLM), `{detail:"text"}` (FastAPI servers).
 */
export function errorFieldsFrom(body: unknown): ErrorFields {
  if (!isRecord(body)) return {};
  const inner = body.error;
  if (isRecord(inner)) return { message: str(inner.message), type: str(inner.type), code: str(inner.code) };
  if (typeof inner === 'string') return { message: inner, type: str(body.type), code: str(body.code) };
  const detail = body.detail;
  const detailMsg = typeof detail === 'string' ? detail : detail !== undefined ? JSON.stringify(detail) : undefined;
  return { message: str(body.message) ?? detailMsg, type: str(body.type) === 'error' ? undefined : str(body.type), code: str(body.code) };
}

const MAX_MESSAGE = 1000;

/** An HTTP error answer from the upstream → UpstreamError carrying status, message, type, code and retry hint. */
export function upstreamErrorFromResponse(status: number, headers: HeaderBag, bodyText: string): UpstreamError {
  let body: unknown = bodyText;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    // not JSON: keep the text
  }
  const fields = errorFieldsFrom(body);
  const text = fields.message ?? (typeof body === 'string' && body.trim() ? body.trim() : `upstream answered HTTP ${status}`);
  return new UpstreamError(status, text.slice(0, MAX_MESSAGE), {
    retryAfterMs: retryAfterMsFrom(headers),
    type: fields.type,
    code: fields.code,
    body,
  });
}

/** Why a transport-level failure happened, as known to the caller (it owns the timers and signals). */
export type FailureCause = 'client-abort' | 'timeout' | undefined;

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** A thrown transport error (undici / socket) → UpstreamError: 499 client gone, 504 timeout, 502 everything else. */
export function transportError(err: unknown, cause: FailureCause, timeoutMs?: number): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (cause === 'client-abort') return new UpstreamError(CLIENT_CLOSED_STATUS, 'request aborted: the client closed the connection', { code: 'client_closed_request' });
  const code = isRecord(err) ? str(err.code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (cause === 'timeout' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new UpstreamError(504, `upstream timed out${timeoutMs !== undefined ? ` after ${timeoutMs} ms` : ''}`, { code: code ?? 'timeout', type: 'timeout' });
  }
  const causeCode = isRecord(err) && isRecord(err.cause) ? str(err.cause.code) : undefined;
  return new UpstreamError(502, `upstream connection failed: ${message}`, { code: code ?? causeCode ?? 'connection_error', type: 'connection_error' });
}
