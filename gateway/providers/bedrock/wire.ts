// The Bedrock Converse API's wire shapes (Converse and ConverseStream, JSON over REST): request, response and the
// stream events. Every content block is a union tagged by which single key it carries.

export interface ConverseImageBlock {
  format: 'png' | 'jpeg' | 'gif' | 'webp';
  source: { bytes: string } | { s3Location: { uri: string; bucketOwner?: string } };
}

export interface ConverseDocumentBlock {
  format: 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';
  name: string;
  source: { bytes: string } | { s3Location: { uri: string; bucketOwner?: string } };
}

export interface ConverseToolUse {
  toolUseId: string;
  name: string;
  input: unknown;
}

export type ConverseToolResultContent = { text: string } | { json: unknown } | { image: ConverseImageBlock } | { document: ConverseDocumentBlock };

export interface ConverseToolResult {
  toolUseId: string;
  content: ConverseToolResultContent[];
  status?: 'success' | 'error';
}

export interface ConverseReasoningContent {
  reasoningText?: { text: string; signature?: string };
  /** Base64 of the encrypted reasoning. */
  redactedContent?: string;
}

export interface ConverseContentBlock {
  text?: string;
  image?: ConverseImageBlock;
  document?: ConverseDocumentBlock;
  toolUse?: ConverseToolUse;
  toolResult?: ConverseToolResult;
  reasoningContent?: ConverseReasoningContent;
  cachePoint?: { type: 'default' };
  guardContent?: unknown;
}

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseContentBlock[];
}

export type ConverseSystemBlock = { text: string } | { cachePoint: { type: 'default' } } | { guardContent: unknown };

export interface ConverseToolSpec {
  name: string;
  description?: string;
  inputSchema: { json: unknown };
}

export type ConverseTool = { toolSpec: ConverseToolSpec } | { cachePoint: { type: 'default' } };

export type ConverseToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface ConverseInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: ConverseSystemBlock[];
  inferenceConfig?: ConverseInferenceConfig;
  toolConfig?: { tools: ConverseTool[]; toolChoice?: ConverseToolChoice };
  guardrailConfig?: unknown;
  additionalModelRequestFields?: Record<string, unknown>;
  additionalModelResponseFieldPaths?: string[];
  promptVariables?: unknown;
  requestMetadata?: Record<string, string>;
  performanceConfig?: unknown;
}

export type ConverseStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'model_context_window_exceeded';

export interface ConverseUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output: { message?: ConverseMessage };
  stopReason: ConverseStopReason | string;
  usage?: ConverseUsage;
  metrics?: { latencyMs: number };
  additionalModelResponseFields?: unknown;
  trace?: unknown;
}

/** ConverseStream events: the `:event-type` header names the member, the frame's JSON body is its value. */
export interface ConverseStreamEvents {
  messageStart: { role: 'assistant' };
  contentBlockStart: { contentBlockIndex: number; start?: { toolUse?: { toolUseId: string; name: string } } };
  contentBlockDelta: {
    contentBlockIndex: number;
    delta?: { text?: string; toolUse?: { input: string }; reasoningContent?: { text?: string; signature?: string; redactedContent?: string } };
  };
  contentBlockStop: { contentBlockIndex: number };
  messageStop: { stopReason: ConverseStopReason | string; additionalModelResponseFields?: unknown };
  metadata: { usage?: ConverseUsage; metrics?: { latencyMs: number }; trace?: unknown };
}

export type ConverseStreamEvent = { [K in keyof ConverseStreamEvents]: { type: K; payload: ConverseStreamEvents[K] } }[keyof ConverseStreamEvents];
