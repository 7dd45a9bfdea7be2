// Vertex AI Gemini (`vertex_ai/<model>`): the generateContent protocol (shared with gemini/) at
// https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/google/models/{model}
// (or `api_base`), authenticated with an OAuth2 bearer token from vertex_credentials or ADC.
import type { ProviderAdapter, UpstreamCall } from '../types.ts';
import { extraHeaders, stringParam } from '../shared/params.ts';
import { UpstreamError } from '../types.ts';
import { createGoogleChatAdapter, modelId, type GoogleEndpoint, type GoogleMethod, type GoogleSpec } from '../gemini/client.ts';
import { vertexAuth } from './auth.ts';

export const VERTEX_DEFAULT_LOCATION = 'us-central1';

const ENV = {
  project: ['VERTEXAI_PROJECT', 'VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT'],
  location: ['VERTEXAI_LOCATION', 'VERTEX_LOCATION', 'GOOGLE_CLOUD_LOCATION'],
  credentials: ['VERTEXAI_CREDENTIALS', 'VERTEX_CREDENTIALS'],
} as const;

/** The regional host; the `global` location has none. */
export function vertexHost(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

/**
 * The method URL. api_base replaces the host (`{api_base}/v1/projects/…`), unless it already holds the model path
 * (`…/models/{model}`), in which case only `:{method}` is appended.
 */
export function vertexUrl(method: GoogleMethod, call: UpstreamCall, project: string | undefined): string {
  const params = call.deployment.params;
  const base = stringParam(params, 'api_base')?.replace(/\/+$/, '');
  if (base && /\/models\/[^/]+$/.test(base)) return `${base}:${method}`;
  const location = stringParam(params, 'vertex_location', ENV.location) ?? VERTEX_DEFAULT_LOCATION;
  if (!project) throw new UpstreamError(500, `vertex_ai: litellm_params.vertex_project is required for model "${params.model}" (or set ${ENV.project.join(' / ')}, or use credentials that name a project)`, { code: 'config_error' });
  const path = `v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models/${encodeURIComponent(modelId(call, ''))}:${method}`;
  return `${base ?? vertexHost(location)}/${path}`;
}

const spec: GoogleSpec = {
  name: 'vertex_ai',
  async endpoint(method, call): Promise<GoogleEndpoint> {
    const params = call.deployment.params;
    const auth = await vertexAuth(stringParam(params, 'vertex_credentials', ENV.credentials));
    const project = stringParam(params, 'vertex_project', ENV.project) ?? auth.projectId;
    const url = vertexUrl(method, call, project);
    const headers: Record<string, string> = { ...extraHeaders(params), authorization: `Bearer ${await auth.token()}` };
    return { url, headers };
  },
};

export const vertexProvider: ProviderAdapter = createGoogleChatAdapter(spec);
