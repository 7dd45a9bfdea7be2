// Typed provider registry: the provider prefix of `litellm_params.model` picks the adapter.
import { mockProvider } from './mock/adapter.ts';
import { openaiAdapters } from './openai/adapter.ts';
import { azureProvider } from './azure/adapter.ts';
import { anthropicProvider } from '../anthropic/adapter.ts';
import { geminiProvider } from './gemini/adapter.ts';
import { vertexProvider } from './vertex/adapter.ts';
import { bedrockProvider } from './bedrock/adapter.ts';
import type { ProviderAdapter } from './types.ts';

const ADAPTERS: Record<string, ProviderAdapter> = {
  mock: mockProvider,
  ...openaiAdapters, // openai + OpenAI-compatible prefixes (hosted_vllm, ollama, groq, together_ai, openrouter, …)
  azure: azureProvider,
  anthropic: anthropicProvider,
  gemini: geminiProvider,
  vertex_ai: vertexProvider,
  bedrock: bedrockProvider,
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
