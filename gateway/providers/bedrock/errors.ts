// Bedrock failures → UpstreamError. HTTP answers name the exception in `x-amzn-errortype` (body `{ message }`);
// ConverseStream sends exception frames mid-stream (`:exception-type`, same names in lowerCamelCase). The status
// follows the exception; context-window and content-filter refusals get the codes the router's fallbacks know.
import { isRecord } from '../../../lib/is-record.ts';
import { retryAfterMsFrom, type HeaderBag } from '../shared/errors.ts';
import { UpstreamError } from '../types.ts';

const STATUS_BY_EXCEPTION: Record<string, number> = {
  ThrottlingException: 429,
  ServiceQuotaExceededException: 429,
  ValidationException: 400,
  ConflictException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 401,
  InvalidSignatureException: 401,
  IncompleteSignatureException: 401,
  MissingAuthenticationTokenException: 401,
  ExpiredTokenException: 401,
  ExpiredToken: 401,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 502,
  ModelStreamErrorException: 502,
  InternalServerException: 500,
  ModelNotReadyException: 503,
  ServiceUnavailableException: 503,
};

const CONTEXT_WINDOW = /input is too long|too many (input )?tokens|prompt is too long|context/i;
const CONTENT_POLICY = /content filter|blocked by|content polic|guardrail/i;

/** `ValidationException:http://internal.amazon.com/…` or `validationException` → `ValidationException`. */
function exceptionName(raw: string | undefined): string | undefined {
  const name = raw?.split(':')[0]?.split('#').pop()?.trim();
  return name ? name.charAt(0).toUpperCase() + name.slice(1) : undefined;
}

/** An exception by name and message (HTTP or stream) → UpstreamError. */
export function bedrockError(rawType: string | undefined, message: string, fallbackStatus: number, extra: { retryAfterMs?: number; body?: unknown } = {}): UpstreamError {
  const type = exceptionName(rawType);
  const status = (type ? STATUS_BY_EXCEPTION[type] : undefined) ?? fallbackStatus;
  let code: string | undefined;
  if (status === 400 && CONTEXT_WINDOW.test(message)) code = 'context_length_exceeded';
  else if (status === 400 && CONTENT_POLICY.test(message)) code = 'content_policy_violation';
  else if (status === 429) code = 'rate_limit_exceeded';
  else if (status === 401) code = 'invalid_api_key';
  return new UpstreamError(status, message, { type, code, ...extra });
}

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** An HTTP error answer of the Bedrock runtime → UpstreamError (a `toError` for shared/http.ts). */
export function bedrockHttpError(status: number, headers: HeaderBag, bodyText: string): UpstreamError {
  let body: unknown = bodyText;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    // not JSON: keep the text
  }
  const fields = isRecord(body) ? body : {};
  const rawMessage = fields.message ?? fields.Message;
  const message = typeof rawMessage === 'string' && rawMessage ? rawMessage : typeof body === 'string' && body.trim() ? body.trim() : `Bedrock answered HTTP ${status}`;
  const type = header(headers, 'x-amzn-errortype') ?? (typeof fields.__type === 'string' ? fields.__type : undefined);
  return bedrockError(type, message.slice(0, 1000), status, { retryAfterMs: retryAfterMsFrom(headers), body });
}
