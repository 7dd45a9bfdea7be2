// Google's error answers → UpstreamError: `{error: {code, message, status, details}}` (also wrapped in an array),
// HTTP status from the code or the canonical status name, RetryInfo delays, and the two reasons the router falls
// back on: a prompt over the context window and a prompt blocked by Google's safety filters.
import { isRecord } from '../../../lib/is-record.ts';
import { UpstreamError } from '../types.ts';
import type { GeminiResponse } from './wire.ts';

type Json = Record<string, unknown>;

/** Canonical google.rpc.Code names → HTTP status. */
const STATUS_BY_NAME: Record<string, number> = {
  INVALID_ARGUMENT: 400, FAILED_PRECONDITION: 400, OUT_OF_RANGE: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403,
  NOT_FOUND: 404, ALREADY_EXISTS: 409, ABORTED: 409, RESOURCE_EXHAUSTED: 429, CANCELLED: 499, UNIMPLEMENTED: 501,
  INTERNAL: 500, UNKNOWN: 500, DATA_LOSS: 500, UNAVAILABLE: 503, DEADLINE_EXCEEDED: 504,
};

export const CONTEXT_WINDOW_CODE = 'context_length_exceeded';
export const CONTENT_POLICY_CODE = 'content_policy_violation';

const CONTEXT_WINDOW = /exceeds the maximum number of tokens|input token count .*exceeds|context (?:window|length)|prompt is too long/i;

/** The `error` object of a Google error body (`{error}` or `[{error}]`). */
function googleErrorOf(body: unknown): Json | undefined {
  const first = Array.isArray(body) ? body[0] : body;
  return isRecord(first) && isRecord(first.error) ? first.error : undefined;
}

/** `"37s"` / `"1.5s"` (protobuf Duration JSON) → milliseconds. */
export function durationMs(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(v.trim()) : null;
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

function details(err: Json): Json[] {
  return Array.isArray(err.details) ? err.details.filter(isRecord) : [];
}

const detailOfType = (err: Json, suffix: string): Json | undefined => details(err).find((d) => typeof d['@type'] === 'string' && d['@type'].endsWith(suffix));

/** A Google error object (with the HTTP status it came with, when known) → UpstreamError. */
export function upstreamErrorFromGoogle(err: Json, httpStatus: number | undefined, body: unknown, retryAfterMs?: number): UpstreamError {
  const statusName = typeof err.status === 'string' ? err.status : undefined;
  const code = typeof err.code === 'number' && err.code >= 400 && err.code < 600 ? err.code : undefined;
  let status = httpStatus ?? code ?? (statusName ? STATUS_BY_NAME[statusName] : undefined) ?? 500;
  const message = typeof err.message === 'string' && err.message ? err.message : `upstream answered ${statusName ?? `HTTP ${status}`}`;
  const reason = detailOfType(err, 'google.rpc.ErrorInfo')?.reason;
  // AI Studio answers a bad API key with 400 INVALID_ARGUMENT; it is an authentication failure.
  if (reason === 'API_KEY_INVALID' || reason === 'API_KEY_SERVICE_BLOCKED') status = 401;
  const retry = durationMs(detailOfType(err, 'google.rpc.RetryInfo')?.retryDelay) ?? retryAfterMs;
  let errorCode = typeof reason === 'string' ? reason : statusName;
  if (status === 400 && CONTEXT_WINDOW.test(message)) errorCode = CONTEXT_WINDOW_CODE;
  return new UpstreamError(status, message.slice(0, 1000), { type: statusName, code: errorCode, body, ...(retry !== undefined ? { retryAfterMs: retry } : {}) });
}

/** An UpstreamError from the shared HTTP layer whose body is Google's error JSON → the Google-aware error. */
export function fromHttpError(err: unknown): unknown {
  if (!(err instanceof UpstreamError)) return err;
  const inner = googleErrorOf(err.options.body);
  return inner ? upstreamErrorFromGoogle(inner, err.status, err.options.body, err.options.retryAfterMs) : err;
}

/** An `{error}` object sent inside a 200 stream, if this payload is one. */
export function inStreamError(payload: unknown): UpstreamError | undefined {
  const inner = googleErrorOf(payload);
  return inner ? upstreamErrorFromGoogle(inner, undefined, payload) : undefined;
}

/** A prompt Google refused to answer (`promptFeedback.blockReason`, no candidates) → content-policy error. */
export function blockedPromptError(res: GeminiResponse): UpstreamError | undefined {
  const reason = res.promptFeedback?.blockReason;
  if (!reason || (res.candidates?.length ?? 0) > 0) return undefined;
  const why = res.promptFeedback?.blockReasonMessage ?? `the prompt was blocked by Google's safety filters (${reason})`;
  return new UpstreamError(400, why, { type: 'content_filter', code: CONTENT_POLICY_CODE, body: res });
}
