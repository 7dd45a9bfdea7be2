// OpenAI tool call ids for Gemini function calls. Gemini usually sends no id, so one is made up; a thinking model's
// `thoughtSignature` must come back with the call on the next turn, and OpenAI clients only echo the id: the
// signature rides inside it.
import { randomBytes } from 'node:crypto';

const SIGNATURE_MARK = '__thought__';

/** `call_<random>` (or Google's own id), with the thought signature appended when there is one. */
export function toolCallIdFor(googleId: string | undefined, signature: string | undefined): string {
  const base = googleId || `call_${randomBytes(12).toString('hex')}`;
  return signature ? `${base}${SIGNATURE_MARK}${signature}` : base;
}

/** The thought signature carried in a tool call id, if any. */
export function signatureFromToolCallId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const at = id.indexOf(SIGNATURE_MARK);
  return at === -1 ? undefined : id.slice(at + SIGNATURE_MARK.length) || undefined;
}
