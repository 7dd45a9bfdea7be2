// Public API of the PII engine. The gateway, event producers and tools import from here only.
export type { Detection, FindingEntity, PiiAction, PiiEntity, Recognizer, ScanState } from './types.ts';
export {
  PII_ENTITIES,
  PII_ACTIONS,
  DENYLIST_ENTITY,
  PiiProtectionSettings,
  PiiProtectionOverride,
  resolvePiiSettings,
  validatePiiSettings,
  defaultPiiSettings,
} from '../../schemas/config/pii.ts';
export { compilePolicy, createPolicy, policyFor, type PiiPolicy, type CompileOptions } from './policy.ts';
export { scanText, resolveOverlaps, type ScanOptions } from './scanner.ts';
export { applyActions, actionFor, replacementFor, maskValue, type AppliedDetection, type ApplyResult } from './actions.ts';
export { createRestorer, type Restorer, type StreamRestorer } from './restore.ts';
export { PiiVault, PLACEHOLDER_PATTERN } from './vault.ts';
export { fingerprint, normalizeForFingerprint, FINGERPRINT_LENGTH } from './fingerprint.ts';
export {
  walkRequest,
  walkChatCompletion,
  walkCompletion,
  walkEmbeddings,
  walkAnthropicMessagesRequest,
  requestKindForPath,
  type RequestKind,
  type WalkResult,
  type WalkOptions,
} from './request-walker.ts';
export type { Finding, FindingLocation } from './types.ts';
export { matchingView, foldForMatching, type MatchingView } from './normalize.ts';
export {
  scansOutput,
  scanChatCompletionOutput,
  scanCompletionOutput,
  scanResponseText,
  type ChatCompletionLike,
  type TextCompletionLike,
  type OutputScan,
  type ResponseScanResult,
} from './output.ts';
export { createOutputStreamScanner, MAX_HOLD, type OutputStreamScanner, type OutputStreamOptions } from './output-stream.ts';
export {
  createChatStreamOutputScanner,
  createCompletionStreamOutputScanner,
  type ChunkOutputScanner,
  type ChatChunkLike,
  type TextCompletionChunkLike,
} from './output-chunks.ts';
export { guard, guardRequest, guardResponseText, blockedMessage, type GuardOutcome, type ResponseGuardOutcome, type PiiErrorBody, type Guarded } from './guard.ts';
export { BUILTIN_RECOGNIZERS } from './recognizers/index.ts';
