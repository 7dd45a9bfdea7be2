// One error registry: every error the gateway returns has a code, an HTTP status and an OpenAI error type.
// Renderers turn a GatewayError into OpenAI's or Anthropic's error JSON.

export interface ErrorSpec {
  status: number;
  type: string;
  anthropicType: string;
}

export const ERRORS = {
  invalid_request: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  /** Upstream refusals the router classifies (routing/failure-reason.ts); OpenAI's own codes for them. */
  context_length_exceeded: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  content_policy_violation: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  pii_detected: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error', anthropicType: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error', anthropicType: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error', anthropicType: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error', anthropicType: 'not_found_error' },
  not_found: { status: 404, type: 'invalid_request_error', anthropicType: 'not_found_error' },
  request_too_large: { status: 413, type: 'invalid_request_error', anthropicType: 'request_too_large' },
  uri_too_long: { status: 414, type: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', anthropicType: 'rate_limit_error' },
  budget_exceeded: { status: 429, type: 'budget_exceeded', anthropicType: 'rate_limit_error' },
  client_closed_request: { status: 499, type: 'api_error', anthropicType: 'api_error' },
  pii_scan_failed: { status: 500, type: 'api_error', anthropicType: 'api_error' },
  internal_error: { status: 500, type: 'api_error', anthropicType: 'api_error' },
  upstream_error: { status: 502, type: 'api_error', anthropicType: 'api_error' },
  service_unavailable: { status: 503, type: 'api_error', anthropicType: 'overloaded_error' },
  upstream_timeout: { status: 504, type: 'timeout_error', anthropicType: 'api_error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { param?: string | null; retryAfterSeconds?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = ERRORS[code].status;
  }
}

export function openAiErrorBody(err: GatewayError) {
  return { error: { message: err.message, type: ERRORS[err.code].type, param: err.extra.param ?? null, code: err.code } };
}

export function anthropicErrorBody(err: GatewayError) {
  return { type: 'error', error: { type: ERRORS[err.code].anthropicType, message: err.message } };
}

/** Maps anything thrown on the request path to a GatewayError without leaking internals. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GatewayError('request_too_large', 'Request body is too large.');
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new GatewayError('invalid_request', 'Content-Type must be application/json.');
  if (e?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new GatewayError('invalid_json', 'Request body is empty; expected a JSON object.');
  if (e?.statusCode === 400 && (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError)) {
    // The parser's message quotes the body: only the position is passed on (a request body can hold secrets).
    const at = /position (\d+)/.exec(e.message ?? '')?.[1];
    return new GatewayError('invalid_json', `We could not parse the JSON body of your request${at ? ` (invalid JSON at position ${at})` : ' (invalid JSON)'}.`);
  }
  if (e?.statusCode === 400) return new GatewayError('invalid_request', clip(e.message ?? 'Bad request.'));
  if (e?.statusCode === 404) return new GatewayError('not_found', clip(e.message ?? 'Not found.'));
  return new GatewayError('internal_error', 'The gateway hit an internal error.');
}

/** Messages built from client input are clipped: an error body never echoes unbounded input. */
export function clip(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
