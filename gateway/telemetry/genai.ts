// The OpenTelemetry GenAI semantic conventions' words for a Helix request: the operation, the provider, the
// request's parameters and the response's identity.
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from '@opentelemetry/semantic-conventions/incubating';
import type { Operation } from '../pipeline/operation.ts';
import { PROXY_PATHS } from '../routes/proxy-paths.ts';

export type GenAiOperation = 'chat' | 'text_completion' | 'embeddings';

const OPERATION_OF_KIND: Record<Operation<unknown, unknown, unknown>['kind'], GenAiOperation> = {
  chat: 'chat',
  messages: 'chat',
  responses: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
};

const OPERATION_OF_ENDPOINT: Record<string, GenAiOperation> = {
  [PROXY_PATHS.chatCompletions]: 'chat',
  [PROXY_PATHS.messages]: 'chat',
  [PROXY_PATHS.responses]: 'chat',
  [PROXY_PATHS.completions]: 'text_completion',
  [PROXY_PATHS.embeddings]: 'embeddings',
};

/** The GenAI operation of a request; undefined for endpoints that are not one (token counting, model lists). */
export function operationOf(kind: Operation<unknown, unknown, unknown>['kind'] | undefined, endpoint: string): GenAiOperation | undefined {
  return kind ? OPERATION_OF_KIND[kind] : OPERATION_OF_ENDPOINT[endpoint];
}

/** Helix's provider prefixes where the conventions name the provider differently; any other prefix is kept as is. */
const PROVIDER_NAMES: Record<string, string> = {
  azure: 'azure.ai.openai',
  gemini: 'gcp.gemini',
  vertex_ai: 'gcp.vertex_ai',
  bedrock: 'aws.bedrock',
  mistral: 'mistral_ai',
  xai: 'x_ai',
  watsonx: 'ibm.watsonx.ai',
};

export const providerName = (provider: string): string => PROVIDER_NAMES[provider] ?? provider;

const STOP_SEQUENCES_MAX = 16;
const STOP_SEQUENCE_CHARS_MAX = 256;

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The request parameters the conventions name, read from the body as it went upstream (every wire spells them the
 * same way, except the output cap: `max_tokens`, `max_completion_tokens`, `max_output_tokens`).
 */
export function requestParameters(body: unknown): Attributes {
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const out: Attributes = {};
  const set = (key: string, v: number | undefined) => {
    if (v !== undefined) out[key] = v;
  };
  set(ATTR_GEN_AI_REQUEST_MAX_TOKENS, finite(b.max_tokens) ?? finite(b.max_completion_tokens) ?? finite(b.max_output_tokens));
  set(ATTR_GEN_AI_REQUEST_TEMPERATURE, finite(b.temperature));
  set(ATTR_GEN_AI_REQUEST_TOP_P, finite(b.top_p));
  set(ATTR_GEN_AI_REQUEST_TOP_K, finite(b.top_k));
  set(ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, finite(b.frequency_penalty));
  set(ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, finite(b.presence_penalty));
  set(ATTR_GEN_AI_REQUEST_SEED, finite(b.seed));
  const n = finite(b.n);
  if (n !== undefined && n !== 1) out[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = n;
  const stop = b.stop ?? b.stop_sequences;
  const stops = (Array.isArray(stop) ? stop : [stop]).filter((s): s is string => typeof s === 'string');
  if (stops.length) out[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stops.slice(0, STOP_SEQUENCES_MAX).map((s) => s.slice(0, STOP_SEQUENCE_CHARS_MAX));
  if (typeof b.encoding_format === 'string') out[ATTR_GEN_AI_REQUEST_ENCODING_FORMATS] = [b.encoding_format.slice(0, 32)];
  return out;
}

const ID_CHARS_MAX = 256;

/** `id` and `model` of an answer (every wire names them so; embeddings have no id). */
export function responseIdentity(value: unknown): { id?: string; model?: string } {
  if (!value || typeof value !== 'object') return {};
  const v = value as Record<string, unknown>;
  const out: { id?: string; model?: string } = {};
  if (typeof v.id === 'string' && v.id) out.id = v.id.slice(0, ID_CHARS_MAX);
  if (typeof v.model === 'string' && v.model) out.model = v.model.slice(0, ID_CHARS_MAX);
  return out;
}
