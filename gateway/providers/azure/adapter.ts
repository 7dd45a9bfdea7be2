// Azure OpenAI: `azure/<deployment>` with api_base = the resource endpoint (https://NAME.openai.azure.com).
// Same wire protocol as OpenAI (the shared OpenAI request/stream code), different URL and auth:
//   {api_base}/openai/deployments/{deployment}/{operation}?api-version={api_version}, header `api-key`
//   (or `Authorization: Bearer` with `azure_ad_token`).
import type { UpstreamCall } from '../types.ts';
import { joinUrl } from '../shared/http.ts';
import { extraHeaders, requiredParam, stringParam } from '../shared/params.ts';
import { createOpenAIStyleAdapter, type OpenAIEndpoint, type OpenAIOperation } from '../openai/client.ts';

/** GA version that supports tools, json_schema and `stream_options.include_usage`. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

const ENV = {
  apiBase: ['AZURE_API_BASE', 'AZURE_OPENAI_ENDPOINT'],
  apiKey: ['AZURE_API_KEY', 'AZURE_OPENAI_API_KEY'],
  apiVersion: ['AZURE_API_VERSION', 'OPENAI_API_VERSION'],
} as const;

export function azureUrl(op: OpenAIOperation, call: UpstreamCall): string {
  const params = call.deployment.params;
  const base = requiredParam(params, 'api_base', 'azure', ENV.apiBase);
  const version = stringParam(params, 'api_version', ENV.apiVersion) ?? AZURE_DEFAULT_API_VERSION;
  const path = `openai/deployments/${encodeURIComponent(call.deployment.upstreamModel)}/${op}`;
  return `${joinUrl(base, path)}?api-version=${encodeURIComponent(version)}`;
}

function endpoint(op: OpenAIOperation, call: UpstreamCall): OpenAIEndpoint {
  const params = call.deployment.params;
  const headers: Record<string, string> = { ...extraHeaders(params) };
  const adToken = stringParam(params, 'azure_ad_token');
  if (adToken) headers.authorization = `Bearer ${adToken}`;
  else {
    const key = stringParam(params, 'api_key', ENV.apiKey);
    if (key) headers['api-key'] = key;
  }
  return { url: azureUrl(op, call), headers };
}

export const azureProvider = createOpenAIStyleAdapter({ name: 'azure', endpoint });
