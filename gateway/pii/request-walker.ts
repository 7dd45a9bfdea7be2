// Request walkers: apply scan + actions to every text field of a request body that the model reads (see
// walk-openai.ts, walk-responses.ts and walk-anthropic.ts for the fields). The input body is never mutated: the result holds a new
// body (top level, message list, messages and content arrays are copied; untouched leaves such as images are
// shared).
import { FieldRewriter, type Obj } from './field-rewriter.ts';
import type { PiiPolicy } from './policy.ts';
import type { Finding, FindingEntity } from './types.ts';
import { PiiVault } from './vault.ts';
import { walkAnthropicMessages } from './walk-anthropic.ts';
import { walkOpenAIChat, walkOpenAICompletions, walkStringOrList } from './walk-openai.ts';
import { walkResponses } from './walk-responses.ts';

export type { Finding, FindingLocation } from './types.ts';

export type RequestKind = 'openai.chat' | 'openai.completions' | 'openai.embeddings' | 'openai.responses' | 'anthropic.messages';

export interface WalkResult<T> {
  /** The body to forward (a new object; equal in content to the input when nothing was found). */
  body: T;
  findings: Finding[];
  /** True when an entity whose action is `block` was found: the caller answers 400 `pii_detected`. */
  blocked: boolean;
  /** Entity types that caused the block, sorted (safe to put in the error message). */
  blockedEntities: FindingEntity[];
  /** Placeholders issued by `restore`; pass to `createRestorer` for the response. */
  vault: PiiVault;
  /** Whether any text was changed. */
  changed: boolean;
}

export interface WalkOptions {
  /** Reuse a vault (e.g. across retries of one request) so placeholders stay the same. */
  vault?: PiiVault;
}

function result<T>(rw: FieldRewriter, body: T): WalkResult<T> {
  const blockedEntities = [...rw.blocked].sort();
  return { body, findings: rw.findings, blocked: blockedEntities.length > 0, blockedEntities, vault: rw.vault, changed: rw.changed };
}

const WALKERS: Record<RequestKind, (rw: FieldRewriter, body: Obj) => Obj> = {
  'openai.chat': walkOpenAIChat,
  'openai.completions': walkOpenAICompletions,
  'openai.embeddings': (rw, body) => walkStringOrList(rw, body, 'input'),
  'openai.responses': walkResponses,
  'anthropic.messages': walkAnthropicMessages,
};

/** Scans and rewrites a request body of the given kind. Throws only on scanner bugs: use `guardRequest`. */
export function walkRequest<T extends object>(kind: RequestKind, body: T, policy: PiiPolicy, options: WalkOptions = {}): WalkResult<T> {
  const rw = new FieldRewriter(policy, options.vault ?? new PiiVault());
  if (!policy.enabled) return result(rw, { ...body });
  return result(rw, WALKERS[kind](rw, body as Obj) as T);
}

export const walkChatCompletion = <T extends object>(body: T, policy: PiiPolicy, options?: WalkOptions) => walkRequest('openai.chat', body, policy, options);
export const walkCompletion = <T extends object>(body: T, policy: PiiPolicy, options?: WalkOptions) => walkRequest('openai.completions', body, policy, options);
export const walkEmbeddings = <T extends object>(body: T, policy: PiiPolicy, options?: WalkOptions) => walkRequest('openai.embeddings', body, policy, options);
export const walkAnthropicMessagesRequest = <T extends object>(body: T, policy: PiiPolicy, options?: WalkOptions) =>
  walkRequest('anthropic.messages', body, policy, options);

/** The request kind of an endpoint path, or undefined for endpoints without text to scan. */
export function requestKindForPath(path: string): RequestKind | undefined {
  const p = path.split('?')[0]?.replace(/\/+$/, '') ?? '';
  if (p.endsWith('/chat/completions')) return 'openai.chat';
  if (p.endsWith('/completions')) return 'openai.completions';
  if (p.endsWith('/embeddings')) return 'openai.embeddings';
  if (p.endsWith('/responses')) return 'openai.responses';
  if (p.endsWith('/messages')) return 'anthropic.messages';
  return undefined;
}
