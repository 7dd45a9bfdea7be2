// Why an upstream call failed, when the reason decides where the router goes next: a prompt too long for the model's
// context window, or a provider's content-policy refusal. Neither improves with a retry on the same model group.
import { isRecord } from '../../lib/is-record.ts';
import { UpstreamError } from '../providers/types.ts';

export type FailureReason = 'context_window' | 'content_policy';

/** The codes providers (and our adapters) put on these failures. */
const CONTEXT_WINDOW_CODES = new Set(['context_length_exceeded', 'context_window_exceeded']);
const CONTENT_POLICY_CODES = new Set(['content_policy_violation', 'content_filter', 'responsibleaipolicyviolation']);

/** Provider wordings, for errors that carry no code (Anthropic, Gemini, Bedrock, vLLM, Mistral, …). */
const CONTEXT_WINDOW_MESSAGES = [
  /maximum context length/i, // OpenAI, Azure, vLLM, Mistral
  /context[ _](length|window)[ _]exceeded/i,
  /longer than the model's context length/i,
  /maximum context limit/i,
  /prompt is too long/i, // Anthropic
  /exceeds the maximum number of tokens/i, // Gemini, Vertex AI
  /input is too long/i, // Bedrock
  /too many input tokens/i,
  /input tokens exceed the configured limit/i,
  /reduce the length of the messages/i,
];
const CONTENT_POLICY_MESSAGES = [
  /content (management |filtering )?polic(y|ies)/i, // Azure, OpenAI, Anthropic "content filtering policy"
  /content[ _]filter/i,
  /ResponsibleAIPolicyViolation/,
  /safety (settings|filters?|reasons)/i, // Gemini, Vertex AI
  /blocked by (the )?guardrail/i, // Bedrock
  /violat\w* (our |the )?(usage|content) polic/i,
];

/** Never a throttle, timeout or client abort; a code counts on any other status (in-stream errors may carry 5xx). */
const plausibleStatus = (status: number) => status !== 408 && status !== 429 && status !== 499 && status !== 504;
/** A wording counts on a refusal of the request only: a 5xx that mentions a filter is still a server failure. */
const isRefusal = (status: number) => status >= 400 && status < 500;

function innerCode(body: unknown): string | undefined {
  const inner = isRecord(body) && isRecord(body.error) ? body.error.innererror : undefined;
  return isRecord(inner) && typeof inner.code === 'string' ? inner.code : undefined;
}

/** Classifies a failed attempt; undefined for every other failure (retried or surfaced as before). */
export function failureReason(err: unknown): FailureReason | undefined {
  if (!(err instanceof UpstreamError) || !plausibleStatus(err.status)) return undefined;
  const codes = [err.options.code, err.options.type, innerCode(err.options.body)].filter((c): c is string => c !== undefined).map((c) => c.toLowerCase());
  if (codes.some((c) => CONTEXT_WINDOW_CODES.has(c))) return 'context_window';
  if (codes.some((c) => CONTENT_POLICY_CODES.has(c))) return 'content_policy';
  if (!isRefusal(err.status)) return undefined;
  if (CONTEXT_WINDOW_MESSAGES.some((re) => re.test(err.message))) return 'context_window';
  if (CONTENT_POLICY_MESSAGES.some((re) => re.test(err.message))) return 'content_policy';
  return undefined;
}
