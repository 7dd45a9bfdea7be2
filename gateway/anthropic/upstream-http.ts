// Where and how Anthropic upstreams are called: the URLs of /v1/messages and /v1/messages/count_tokens, the auth and
// version headers, and the SSE stream parsed into events. Used by the translating adapter and the native pass-through.
import { isRecord } from '../../lib/is-record.ts';
import { requestSse } from '../providers/shared/http.ts';
import { extraHeaders, firstEnv, stringParam } from '../providers/shared/params.ts';
import { UpstreamError, type UpstreamCall } from '../providers/types.ts';
import type { AnthropicStreamEvent } from './wire.ts';

export const ANTHROPIC_DEFAULT_API_BASE = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

const ENV = { apiBase: ['ANTHROPIC_API_BASE', 'ANTHROPIC_BASE_URL'], apiKey: ['ANTHROPIC_API_KEY'] } as const;

/** The API root (`…/v1`) of a deployment; api_base may be the host, `…/v1` or the full `…/v1/messages`. */
function apiRoot(call: UpstreamCall): string {
  const base = (stringParam(call.deployment.params, 'api_base') ?? firstEnv(ENV.apiBase) ?? ANTHROPIC_DEFAULT_API_BASE).replace(/\/+$/, '');
  if (base.endsWith('/v1/messages')) return base.slice(0, -'/messages'.length);
  if (base.endsWith('/v1')) return base;
  return `${base}/v1`;
}

export function anthropicMessagesUrl(call: UpstreamCall): string {
  return `${apiRoot(call)}/messages`;
}

export function anthropicCountTokensUrl(call: UpstreamCall): string {
  return `${apiRoot(call)}/messages/count_tokens`;
}

/** `litellm_params.anthropic_version` overrides the default (2023-06-01, which still accepts sampling params). */
export function configuredVersion(call: UpstreamCall): string | undefined {
  return stringParam(call.deployment.params, 'anthropic_version');
}

export function apiVersion(call: UpstreamCall): string {
  return configuredVersion(call) ?? ANTHROPIC_VERSION;
}

/** Auth and version headers; `client` headers (anthropic-beta, a client's anthropic-version) go under the config's. */
export function anthropicHeaders(call: UpstreamCall, client: Record<string, string> = {}): Record<string, string> {
  const params = call.deployment.params;
  const h: Record<string, string> = { ...client, 'anthropic-version': configuredVersion(call) ?? client['anthropic-version'] ?? ANTHROPIC_VERSION, ...extraHeaders(params) };
  const key = stringParam(params, 'api_key', ENV.apiKey);
  if (key) h['x-api-key'] = key;
  return h;
}

/** POSTs a streaming Messages request and yields its events (the SSE event name fills a missing `type`). */
export async function* anthropicEvents(call: UpstreamCall, headers: Record<string, string>, body: unknown): AsyncGenerator<AnthropicStreamEvent, void, undefined> {
  const events = requestSse({ url: anthropicMessagesUrl(call), headers, body, signal: call.signal, timeoutMs: call.timeoutMs });
  for await (const ev of events) {
    if (!ev.data) continue;
    let payload: unknown;
    try {
      payload = JSON.parse(ev.data);
    } catch {
      throw new UpstreamError(502, `upstream sent an invalid stream event: ${ev.data.slice(0, 200)}`, { code: 'invalid_upstream_response' });
    }
    if (!isRecord(payload)) continue;
    if (typeof payload.type !== 'string' && ev.event) payload.type = ev.event;
    yield payload as AnthropicStreamEvent;
  }
}
