// Output scanning (`scan_output`) of whole responses. It scans what the provider produced, before `restore` puts
// the client's own values back: placeholders are not PII, and the client's originals are never redacted from
// its own answer. Only `redact` and `mask` apply to output; `restore` and `block` act as `redact` (see
// `ApplyOptions.output`). Findings have the request side's `Finding` shape; the caller reports them with
// direction `response`. Streams: output-stream.ts and output-chunks.ts.
import { FieldRewriter, isObj } from './field-rewriter.ts';
import type { PiiPolicy } from './policy.ts';
import type { Finding } from './types.ts';
import { PiiVault } from './vault.ts';
import { walkChatMessage } from './walk-openai.ts';

/** Whether model output is scanned under this policy (`enabled` and `scan_output`). */
export function scansOutput(policy: PiiPolicy): boolean {
  return policy.enabled && policy.settings.scan_output;
}

/** A chat completion as far as output scanning reads it (the provider types satisfy it). */
export interface ChatCompletionLike {
  choices: ReadonlyArray<{ message: unknown }>;
}

/** A legacy text completion as far as output scanning reads it. */
export interface TextCompletionLike {
  choices: ReadonlyArray<{ text: string }>;
}

export interface OutputScan<T> {
  /** A redacted copy, or the input itself when nothing was found. */
  completion: T;
  findings: Finding[];
}

const outputRewriter = (policy: PiiPolicy) => new FieldRewriter(policy, new PiiVault(), true);

/**
 * Non-streamed chat completion: each choice's message content (string or text parts), refusal, tool-call and
 * legacy function-call arguments (JSON values and keys). Paths: `choices[0].message.content`,
 * `choices[0].message.tool_calls[1].function.arguments#/email`.
 */
export function scanChatCompletionOutput<T extends ChatCompletionLike>(completion: T, policy: PiiPolicy): OutputScan<T> {
  if (!scansOutput(policy)) return { completion, findings: [] };
  const rw = outputRewriter(policy);
  const choices = completion.choices.map((choice, i) => {
    const message = walkChatMessage(rw, choice.message, `choices[${i}].message`);
    return isObj(message) ? { ...choice, message } : choice;
  });
  return { completion: rw.changed ? { ...completion, choices } : completion, findings: rw.findings };
}

/** Non-streamed legacy completion: each choice's `text` (path `choices[0].text`). */
export function scanCompletionOutput<T extends TextCompletionLike>(completion: T, policy: PiiPolicy): OutputScan<T> {
  if (!scansOutput(policy)) return { completion, findings: [] };
  const rw = outputRewriter(policy);
  const choices = completion.choices.map((choice, i) => ({ ...choice, text: rw.text(choice.text, { path: `choices[${i}].text`, role: 'assistant' }) }));
  return { completion: rw.changed ? { ...completion, choices } : completion, findings: rw.findings };
}

export interface ResponseScanResult {
  text: string;
  findings: Finding[];
}

/** One piece of model output text (path `output` unless given), scanned whatever `scan_output` says. */
export function scanResponseText(text: string, policy: PiiPolicy, where: { path?: string; messageIndex?: number; role?: string } = {}): ResponseScanResult {
  if (!policy.enabled) return { text, findings: [] };
  const rw = outputRewriter(policy);
  return { text: rw.text(text, { ...where, path: where.path ?? 'output' }), findings: rw.findings };
}
