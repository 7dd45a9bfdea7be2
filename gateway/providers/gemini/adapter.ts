// Google AI Studio (`gemini/<model>`): POST {api_base}/v1beta/models/{model}:generateContent (and
// :streamGenerateContent?alt=sse, :batchEmbedContents) with the key in `x-goog-api-key`.
import type { ProviderAdapter, UpstreamCall } from '../types.ts';
import { extraHeaders, firstEnv, stringParam } from '../shared/params.ts';
import { createGoogleChatAdapter, modelId, type GoogleEndpoint, type GoogleMethod, type GoogleSpec } from './client.ts';
import { geminiEmbeddings } from './embeddings.ts';

export const GEMINI_DEFAULT_API_BASE = 'https://generativelanguage.googleapis.com';
export const GEMINI_API_VERSION = 'v1beta';

const ENV = { apiBase: ['GEMINI_API_BASE'], apiKey: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'] } as const;

/** api_base may be the host or already end in the API version (`…/v1beta`, `…/v1`). */
export function geminiUrl(method: GoogleMethod, call: UpstreamCall): string {
  let base = (stringParam(call.deployment.params, 'api_base') ?? firstEnv(ENV.apiBase) ?? GEMINI_DEFAULT_API_BASE).replace(/\/+$/, '');
  if (!/\/v1(?:beta|alpha)?\d*$/.test(base)) base += `/${GEMINI_API_VERSION}`;
  return `${base}/models/${encodeURIComponent(modelId(call, ''))}:${method}`;
}

const spec: GoogleSpec = {
  name: 'gemini',
  endpoint(method, call): Promise<GoogleEndpoint> {
    const params = call.deployment.params;
    const headers: Record<string, string> = { ...extraHeaders(params) };
    const key = stringParam(params, 'api_key', ENV.apiKey);
    if (key) headers['x-goog-api-key'] = key;
    return Promise.resolve({ url: geminiUrl(method, call), headers });
  },
};

export const geminiProvider: ProviderAdapter = {
  ...createGoogleChatAdapter(spec),
  embeddings: (req, call) => geminiEmbeddings(spec, req, call),
};
