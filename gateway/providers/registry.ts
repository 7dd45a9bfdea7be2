// Typed provider registry: the provider prefix of `litellm_params.model` picks the adapter.
import type { ModelEntry } from '../../schemas/config.ts';
import { mockProvider } from './mock/index.ts';
import { openaiAdapters } from './openai/index.ts';
import { azureProvider } from './azure/index.ts';
import { anthropicProvider } from './anthropic/index.ts';
import type { Deployment, ProviderAdapter } from './types.ts';

const ADAPTERS: Record<string, ProviderAdapter> = {
  mock: mockProvider,
  ...openaiAdapters, // openai + OpenAI-compatible prefixes (hosted_vllm, ollama, groq, together_ai, openrouter, …)
  azure: azureProvider,
  anthropic: anthropicProvider,
};

export function adapterFor(provider: string): ProviderAdapter | undefined {
  return ADAPTERS[provider];
}

export function registerAdapter(adapter: ProviderAdapter, ...aliases: string[]): void {
  for (const name of [adapter.name, ...aliases]) ADAPTERS[name] = adapter;
}

export function knownProviders(): string[] {
  return Object.keys(ADAPTERS);
}

/** Builds deployments from model_list; `provider/model` → provider + upstream model. */
export function deploymentsFrom(modelList: ModelEntry[]): Deployment[] {
  return modelList.map((entry, i) => {
    const full = entry.litellm_params.model;
    const slash = full.indexOf('/');
    const provider = slash > 0 ? full.slice(0, slash) : 'openai';
    const upstreamModel = slash > 0 ? full.slice(slash + 1) : full;
    return { id: `${entry.model_name}#${i}`, modelName: entry.model_name, provider, upstreamModel, params: entry.litellm_params };
  });
}
