// OpenAI and the OpenAI-compatible family (vLLM, Ollama, LM Studio, Groq, Together, OpenRouter, DeepSeek, …): one
// adapter, registered under every provider prefix below. `litellm_params.api_base` points any of them elsewhere;
// the table only supplies defaults (base URL, key env vars) per prefix.
import type { UpstreamCall, ProviderAdapter } from '../types.ts';
import { joinUrl } from '../shared/http.ts';
import { extraHeaders, firstEnv, requiredParam, stringParam } from '../shared/params.ts';
import { createOpenAIStyleAdapter, type OpenAIEndpoint, type OpenAIOperation } from './client.ts';
import { responsesMethods } from './responses.ts';

export interface OpenAICompatibleProfile {
  /** Default base URL (including `/v1`); without one, `api_base` is required. */
  apiBase?: string;
  /** Environment variables consulted for the base URL when `api_base` is unset. */
  apiBaseEnv?: readonly string[];
  /** Environment variables consulted for the key when `api_key` is unset. */
  apiKeyEnv?: readonly string[];
  /** Appended to the base when missing: Ollama users write `http://host:11434`, its OpenAI API is under `/v1`. */
  pathSuffix?: string;
  /** Ask for usage in streams (`stream_options.include_usage`); default true. */
  streamUsage?: boolean;
  /** Forward Anthropic-style `cache_control` markers (default: stripped). */
  keepCacheControl?: boolean;
}

export const OPENAI_DEFAULT_API_BASE = 'https://api.openai.com/v1';

/** Provider prefix → defaults. Every key is registered as an alias of the same adapter. */
export const OPENAI_COMPATIBLE_PROVIDERS = {
  openai: { apiBase: OPENAI_DEFAULT_API_BASE, apiBaseEnv: ['OPENAI_API_BASE', 'OPENAI_BASE_URL'], apiKeyEnv: ['OPENAI_API_KEY'] },
  text_completion_openai: { apiBase: OPENAI_DEFAULT_API_BASE, apiBaseEnv: ['OPENAI_API_BASE', 'OPENAI_BASE_URL'], apiKeyEnv: ['OPENAI_API_KEY'] },
  openai_compatible: {},
  custom_openai: {},
  openai_like: {},
  hosted_vllm: { apiBaseEnv: ['HOSTED_VLLM_API_BASE'], apiKeyEnv: ['HOSTED_VLLM_API_KEY'] },
  vllm: { apiBaseEnv: ['HOSTED_VLLM_API_BASE', 'VLLM_API_BASE'], apiKeyEnv: ['HOSTED_VLLM_API_KEY', 'VLLM_API_KEY'] },
  ollama: { apiBase: 'http://localhost:11434', apiBaseEnv: ['OLLAMA_API_BASE'], pathSuffix: '/v1' },
  ollama_chat: { apiBase: 'http://localhost:11434', apiBaseEnv: ['OLLAMA_API_BASE'], pathSuffix: '/v1' },
  lm_studio: { apiBase: 'http://localhost:1234/v1', apiBaseEnv: ['LM_STUDIO_API_BASE'], apiKeyEnv: ['LM_STUDIO_API_KEY'] },
  groq: { apiBase: 'https://api.groq.com/openai/v1', apiKeyEnv: ['GROQ_API_KEY'] },
  together_ai: { apiBase: 'https://api.together.xyz/v1', apiKeyEnv: ['TOGETHERAI_API_KEY', 'TOGETHER_API_KEY', 'TOGETHER_AI_API_KEY'] },
  openrouter: { apiBase: 'https://openrouter.ai/api/v1', apiBaseEnv: ['OPENROUTER_API_BASE'], apiKeyEnv: ['OPENROUTER_API_KEY'], keepCacheControl: true },
  deepseek: { apiBase: 'https://api.deepseek.com/v1', apiBaseEnv: ['DEEPSEEK_API_BASE'], apiKeyEnv: ['DEEPSEEK_API_KEY'] },
  fireworks_ai: { apiBase: 'https://api.fireworks.ai/inference/v1', apiKeyEnv: ['FIREWORKS_AI_API_KEY', 'FIREWORKS_API_KEY'] },
  xai: { apiBase: 'https://api.x.ai/v1', apiKeyEnv: ['XAI_API_KEY'] },
  // Mistral's API is OpenAI's chat wire (tools, streaming, JSON mode); Cohere's Compatibility API serves the same.
  mistral: { apiBase: 'https://api.mistral.ai/v1', apiBaseEnv: ['MISTRAL_API_BASE'], apiKeyEnv: ['MISTRAL_API_KEY'] },
  cohere: { apiBase: 'https://api.cohere.ai/compatibility/v1', apiBaseEnv: ['COHERE_API_BASE'], apiKeyEnv: ['COHERE_API_KEY', 'CO_API_KEY'] },
} as const satisfies Record<string, OpenAICompatibleProfile>;

export type OpenAICompatibleProvider = keyof typeof OPENAI_COMPATIBLE_PROVIDERS;

const PROFILES: Record<string, OpenAICompatibleProfile> = OPENAI_COMPATIBLE_PROVIDERS;

function profileOf(call: UpstreamCall): OpenAICompatibleProfile {
  return PROFILES[call.deployment.provider] ?? {};
}

/** The base URL for a deployment: api_base, else env, else the profile default; with the profile's suffix. */
export function openAIBaseUrl(call: UpstreamCall): string {
  const profile = profileOf(call);
  let base = stringParam(call.deployment.params, 'api_base') ?? firstEnv(profile.apiBaseEnv) ?? profile.apiBase;
  if (base === undefined) base = requiredParam(call.deployment.params, 'api_base', call.deployment.provider, profile.apiBaseEnv);
  base = base.replace(/\/+$/, '');
  if (profile.pathSuffix && !base.endsWith(profile.pathSuffix)) base += profile.pathSuffix;
  return base;
}

function endpoint(op: OpenAIOperation, call: UpstreamCall): OpenAIEndpoint {
  const params = call.deployment.params;
  const key = stringParam(params, 'api_key', profileOf(call).apiKeyEnv);
  const headers: Record<string, string> = { ...extraHeaders(params) };
  if (key) headers.authorization = `Bearer ${key}`;
  const org = stringParam(params, 'organization');
  if (org) headers['openai-organization'] = org;
  return { url: joinUrl(openAIBaseUrl(call), op), headers };
}

/** Also carries the Responses API methods; which prefixes really use them is the caller's choice (only `openai/`). */
export const openaiProvider = {
  ...createOpenAIStyleAdapter({
    name: 'openai',
    endpoint,
    streamUsage: (call) => profileOf(call).streamUsage ?? true,
    keepCacheControl: (call) => profileOf(call).keepCacheControl ?? false,
  }),
  ...responsesMethods(endpoint),
};

/** Registry entries: the adapter under `openai` and every OpenAI-compatible prefix. */
export const openaiAdapters: Record<string, ProviderAdapter> = Object.fromEntries(Object.keys(OPENAI_COMPATIBLE_PROVIDERS).map((name) => [name, openaiProvider]));
