// What a provider brings to the conformance suite (test/e2e/provider-conformance.test.ts): a faithful fake of its
// wire protocol on loopback, and the model_list entry that points Helix at it. One file per provider in this folder.
import type { ModelEntry } from '../../../schemas/config.ts';
import type { RecordedRequest } from '../fake-upstreams.ts';

/** How the fake answers the next request, in the provider's own wire format. */
export type ScriptedAnswer =
  /** A plain answer with this text (streamed when the request asks for a stream). */
  | { kind: 'text'; text: string; promptTokens: number; completionTokens: number }
  /** One tool call with these arguments (the request offers the tool). */
  | { kind: 'tool_call'; name: string; arguments: Record<string, unknown> }
  /** The provider's own error answer for this class of failure. */
  | { kind: 'error'; error: 'auth' | 'rate_limit' | 'bad_request' | 'server' | 'context_window' | 'content_policy' }
  /** Starts a stream and then sends nothing more until the client goes away. */
  | { kind: 'stall' };

export interface ConformanceFake {
  /** model_list entries (one deployment) for a model group named `modelName`, pointing at the fake. */
  modelEntry(modelName: string): ModelEntry;
  /** Environment the gateway needs for this provider (credentials the standard chains read), if any. */
  env?: Record<string, string>;
  /** Queue the answer for the next request (FIFO; an empty queue answers text "hello from <provider>"). */
  answerNext(answer: ScriptedAnswer): void;
  /** Every request the fake received, as recorded (method, path, headers, parsed body, closedEarly). */
  requests(): RecordedRequest[];
  close(): Promise<void>;
}

export interface ConformanceProvider {
  /** The provider prefix in `litellm_params.model` (openai, anthropic, gemini, vertex_ai, bedrock, …). */
  name: string;
  start(): Promise<ConformanceFake>;
  /** What the provider can do; the suite skips nothing else. */
  supports: { tools: boolean; streaming: boolean };
}
