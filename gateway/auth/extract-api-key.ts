// The credential of a request, read from its headers (OpenAI, Anthropic and Azure clients each send it differently).
import type { IncomingHttpHeaders } from 'node:http';

/** A header's first value, trimmed; undefined when absent or blank. */
const firstValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

/** The credential of a request: `Authorization: Bearer …`, then `x-api-key` (Anthropic clients), then `api-key` (Azure). */
export function extractApiKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = firstValue(headers.authorization);
  if (auth) {
    const m = /^bearer\s+(.+)$/i.exec(auth);
    if (m) return m[1]!.trim() || undefined;
    if (!/\s/.test(auth)) return auth; // a bare key
  }
  return firstValue(headers['x-api-key']) ?? firstValue(headers['api-key']);
}
