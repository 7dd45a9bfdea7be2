// A loopback fake of Google's generateContent API, in its two homes: AI Studio (`/v1beta/models/{m}:method`, key in
// `x-goog-api-key`) and Vertex AI (`/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:method`, OAuth2
// bearer token). For Vertex it is also the OAuth token endpoint: it owns an RSA key pair, hands out a service-account
// JSON whose token_uri points at itself, verifies the signed JWT grant and issues the tokens it later accepts.
// Requests are validated the way Google does (unknown fields, missing contents, schema keywords outside the OpenAPI
// subset, unanswered function calls …) and refused with Google's error bodies; answers are scripted per request.
import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { pieces, startFake, type FakeBehavior, type Json, type RecordedRequest, type SseEventSpec } from '../fake-upstreams.ts';
import type { ScriptedAnswer } from '../conformance/provider.ts';

export type GeminiFlavour = 'gemini' | 'vertex';
export type ErrorClass = Extract<ScriptedAnswer, { kind: 'error' }>['error'];

/** What the fake answers next: a conformance answer, or one of these for finer tests. */
export type GeminiAnswer =
  | ScriptedAnswer
  /** Text with thought parts before it (includeThoughts) and a chosen finishReason. */
  | { kind: 'thinking'; thoughts: string; text: string; thoughtsTokens: number }
  /** A candidate that ends with this finishReason (MAX_TOKENS, SAFETY, …). */
  | { kind: 'finish'; text: string; finishReason: string }
  /** Any GenerateContentResponse (JSON, or one SSE event per element when streaming). */
  | { kind: 'raw'; responses: Json[] }
  /** A stream that stops after these responses without a finishReason. */
  | { kind: 'truncated'; responses: Json[] };

export interface FakeGemini {
  readonly flavour: GeminiFlavour;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly apiKey: string;
  readonly project: string;
  readonly location: string;
  /** Vertex: the service-account key file (token_uri → this fake). */
  readonly serviceAccount: Json;
  /** Access tokens issued by the token endpoint. */
  readonly tokensIssued: string[];
  answerNext(...answers: GeminiAnswer[]): void;
  /** Requests to the model methods (token requests are in tokenRequests). */
  requests(): RecordedRequest[];
  tokenRequests(): RecordedRequest[];
  last(): RecordedRequest;
  close(): Promise<void>;
}

export const FAKE_GEMINI_MODEL_VERSION = 'gemini-2.5-flash-001';
const GOOGLE_TOKEN_AUD = 'https://oauth2.googleapis.com/token';
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

// ---------------------------------------------------------------------------------------------------------------
// Google's error bodies

export function googleError(code: number, status: string, message: string, details: Json[] = [], headers?: Record<string, string>): FakeBehavior {
  return { kind: 'json', status: code, body: { error: { code, message, status, ...(details.length ? { details } : {}) } }, ...(headers ? { headers } : {}) };
}

const badRequest = (message: string, field?: string): FakeBehavior =>
  googleError(400, 'INVALID_ARGUMENT', message, [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ ...(field ? { field } : {}), description: message }] }]);

const unknownField = (name: string, at?: string): string => `Invalid JSON payload received. Unknown name "${name}"${at ? ` at '${at}'` : ''}: Cannot find field.`;

/** Google's answer for each class of failure (AI Studio and Vertex differ for auth). */
export function googleErrorFor(error: ErrorClass, flavour: GeminiFlavour): FakeBehavior {
  switch (error) {
    case 'auth':
      return flavour === 'gemini'
        ? googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }])
        : googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.', [
            { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED', domain: 'googleapis.com' },
          ]);
    case 'rate_limit':
      return googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.05s' },
      ]);
    case 'bad_request':
      return badRequest('* GenerateContentRequest.generation_config.temperature: must be between 0 and 2\n', 'generation_config.temperature');
    case 'server':
      return googleError(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
    case 'context_window':
      return googleError(400, 'INVALID_ARGUMENT', 'The input token count (1048590) exceeds the maximum number of tokens allowed (1048576).');
    case 'content_policy':
      return { kind: 'json', body: blockedPrompt() };
  }
}

function blockedPrompt(): Json {
  return {
    promptFeedback: {
      blockReason: 'SAFETY',
      safetyRatings: [
        { category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH' },
        { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'NEGLIGIBLE' },
      ],
    },
    usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
    modelVersion: FAKE_GEMINI_MODEL_VERSION,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Request validation (what Google refuses with 400 INVALID_ARGUMENT)

const REQUEST_FIELDS = ['contents', 'tools', 'toolConfig', 'safetySettings', 'systemInstruction', 'generationConfig', 'cachedContent'];
const VERTEX_REQUEST_FIELDS = [...REQUEST_FIELDS, 'labels'];
const DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const PART_FIELDS = new Set([...DATA_FIELDS, 'thought', 'thoughtSignature', 'videoMetadata', 'partMetadata', 'mediaResolution']);
const GENERATION_FIELDS = new Set(
  'stopSequences responseMimeType responseSchema responseJsonSchema responseModalities candidateCount maxOutputTokens temperature topP topK seed presencePenalty frequencyPenalty responseLogprobs logprobs enableEnhancedCivicAnswers speechConfig thinkingConfig mediaResolution imageConfig'.split(' '),
);
const SCHEMA_KEYWORDS = new Set(
  'type format title description nullable enum maxItems minItems properties required minProperties maxProperties minLength maxLength pattern example anyOf propertyOrdering default items minimum maximum'.split(' '),
);
const SCHEMA_TYPES = new Set(['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);
const DECLARATION_FIELDS = new Set(['name', 'description', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema', 'behavior']);
const TOOL_FIELDS = new Set(['functionDeclarations', 'googleSearch', 'googleSearchRetrieval', 'codeExecution', 'urlContext', 'computerUse', 'fileSearch', 'retrieval', 'googleMaps']);
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class Invalid extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function checkFields(obj: Json, allowed: Set<string> | string[], at: string): void {
  const set = Array.isArray(allowed) ? new Set(allowed) : allowed;
  for (const key of Object.keys(obj)) if (!set.has(key)) throw new Invalid(unknownField(key, at || undefined), at ? `${at}.${key}` : key);
}

function checkSchema(schema: unknown, at: string): void {
  if (!isObj(schema)) throw new Invalid(`Invalid value at '${at}': not an object`, at);
  checkFields(schema, SCHEMA_KEYWORDS, at);
  if (schema.type !== undefined && !SCHEMA_TYPES.has(String(schema.type).toUpperCase())) throw new Invalid(`Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "${String(schema.type)}"`, `${at}.type`);
  if (String(schema.type).toUpperCase() === 'OBJECT' && isObj(schema.properties) && Object.keys(schema.properties).length === 0) throw new Invalid(`* ${at}.properties: should be non-empty for OBJECT type`, `${at}.properties`);
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || schema.enum.some((v) => typeof v !== 'string'))) throw new Invalid(`Invalid value at '${at}.enum': enum values must be strings`, `${at}.enum`);
  if (Array.isArray(schema.required) && isObj(schema.properties)) {
    for (const r of schema.required) if (!(String(r) in schema.properties)) throw new Invalid(`* ${at}.required[]: property is not defined`, `${at}.required`);
  }
  if (isObj(schema.properties)) for (const [k, v] of Object.entries(schema.properties)) checkSchema(v, `${at}.properties[${k}].value`);
  if (schema.items !== undefined) checkSchema(schema.items, `${at}.items`);
  if (Array.isArray(schema.anyOf)) schema.anyOf.forEach((v, i) => checkSchema(v, `${at}.any_of[${i}]`));
}

function checkPart(part: unknown, at: string, systemOnly: boolean): Json {
  if (!isObj(part)) throw new Invalid(`Invalid value at '${at}': part is not an object`, at);
  checkFields(part, PART_FIELDS, at);
  const data = DATA_FIELDS.filter((k) => part[k] !== undefined);
  if (data.length !== 1) throw new Invalid(`* ${at}: a part must hold exactly one of ${DATA_FIELDS.join(', ')}`, at);
  if (systemOnly && data[0] !== 'text') throw new Invalid(`* ${at}: system_instruction only supports text parts`, at);
  if (part.text !== undefined && (typeof part.text !== 'string' || part.text === '')) throw new Invalid('Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.', `${at}.text`);
  if (part.inlineData !== undefined) {
    const d = part.inlineData;
    if (!isObj(d) || typeof d.mimeType !== 'string' || typeof d.data !== 'string' || !/^[A-Za-z0-9+/_-]*=*$/.test(d.data)) throw new Invalid(`Invalid value at '${at}.inline_data' (data: base64 bytes, mime_type)`, `${at}.inline_data`);
    checkFields(d, ['mimeType', 'data', 'displayName'], `${at}.inline_data`);
  }
  if (part.fileData !== undefined) {
    const f = part.fileData;
    if (!isObj(f) || typeof f.fileUri !== 'string') throw new Invalid(`* ${at}.file_data.file_uri: file_uri is required`, `${at}.file_data`);
    checkFields(f, ['mimeType', 'fileUri', 'displayName'], `${at}.file_data`);
  }
  if (part.functionCall !== undefined) {
    const c = part.functionCall;
    if (!isObj(c) || typeof c.name !== 'string' || !c.name) throw new Invalid(`* ${at}.function_call.name: Name is required`, `${at}.function_call`);
    checkFields(c, ['id', 'name', 'args'], `${at}.function_call`);
    if (c.args !== undefined && !isObj(c.args)) throw new Invalid(`Invalid value at '${at}.function_call.args' (type.googleapis.com/google.protobuf.Struct)`, `${at}.function_call.args`);
  }
  if (part.functionResponse !== undefined) {
    const r = part.functionResponse;
    if (!isObj(r) || typeof r.name !== 'string' || !r.name) throw new Invalid(`* ${at}.function_response.name: Name is required`, `${at}.function_response`);
    checkFields(r, ['id', 'name', 'response', 'parts', 'willContinue', 'scheduling'], `${at}.function_response`);
    if (!isObj(r.response)) throw new Invalid(`Invalid value at '${at}.function_response.response' (type.googleapis.com/google.protobuf.Struct)`, `${at}.function_response.response`);
  }
  return part;
}

function checkContents(contents: unknown): void {
  if (!Array.isArray(contents) || contents.length === 0) throw new Invalid('* GenerateContentRequest.contents: contents is not specified\n', 'contents');
  let pendingCalls = 0;
  contents.forEach((content, i) => {
    const at = `contents[${i}]`;
    if (!isObj(content)) throw new Invalid(`Invalid value at '${at}'`, at);
    checkFields(content, ['role', 'parts'], at);
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') throw new Invalid(`Please use a valid role: user, model.`, `${at}.role`);
    if (!Array.isArray(content.parts) || content.parts.length === 0) throw new Invalid(`* GenerateContentRequest.${at}.parts: contents.parts must not be empty.\n`, `${at}.parts`);
    const parts = content.parts.map((p, j) => checkPart(p, `${at}.parts[${j}]`, false));
    const calls = parts.filter((p) => p.functionCall !== undefined).length;
    const responses = parts.filter((p) => p.functionResponse !== undefined).length;
    if (calls && content.role !== 'model') throw new Invalid(`* ${at}: function_call parts are only allowed in model turns`, at);
    if (responses && content.role !== 'user') throw new Invalid(`* ${at}: function_response parts are only allowed in user turns`, at);
    if (pendingCalls && responses !== pendingCalls) {
      throw new Invalid('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.', at);
    }
    if (!pendingCalls && responses) throw new Invalid('Please ensure that function response turn comes immediately after a function call turn.', at);
    pendingCalls = calls;
  });
}

function checkTools(tools: unknown, toolConfig: unknown): void {
  const declared = new Set<string>();
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw new Invalid("Invalid value at 'tools'", 'tools');
    tools.forEach((tool, i) => {
      if (!isObj(tool)) throw new Invalid(`Invalid value at 'tools[${i}]'`, `tools[${i}]`);
      checkFields(tool, TOOL_FIELDS, `tools[${i}]`);
      const decls = tool.functionDeclarations;
      if (decls === undefined) return;
      if (!Array.isArray(decls)) throw new Invalid(`Invalid value at 'tools[${i}].function_declarations'`, `tools[${i}].function_declarations`);
      decls.forEach((d, j) => {
        const at = `tools[${i}].function_declarations[${j}]`;
        if (!isObj(d)) throw new Invalid(`Invalid value at '${at}'`, at);
        checkFields(d, DECLARATION_FIELDS, at);
        if (typeof d.name !== 'string' || !FUNCTION_NAME.test(d.name)) throw new Invalid(`* ${at}.name: Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum length of 64.`, `${at}.name`);
        if (d.parameters !== undefined) checkSchema(d.parameters, `${at}.parameters`);
        declared.add(d.name);
      });
    });
  }
  if (toolConfig === undefined) return;
  if (!isObj(toolConfig)) throw new Invalid("Invalid value at 'tool_config'", 'tool_config');
  checkFields(toolConfig, ['functionCallingConfig', 'retrievalConfig'], 'tool_config');
  const fcc = toolConfig.functionCallingConfig;
  if (!isObj(fcc)) return;
  checkFields(fcc, ['mode', 'allowedFunctionNames'], 'tool_config.function_calling_config');
  if (fcc.mode !== undefined && !['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED'].includes(String(fcc.mode))) {
    throw new Invalid(`Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "${String(fcc.mode)}"`, 'tool_config.function_calling_config.mode');
  }
  if (Array.isArray(fcc.allowedFunctionNames)) {
    if (fcc.mode !== 'ANY' && fcc.mode !== 'VALIDATED') throw new Invalid('* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed_function_names should only be set when the Mode is ANY.', 'tool_config');
    for (const n of fcc.allowedFunctionNames) if (!declared.has(String(n))) throw new Invalid(`* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: function "${String(n)}" is not declared`, 'tool_config');
  }
}

function checkGenerationConfig(config: unknown): void {
  if (config === undefined) return;
  if (!isObj(config)) throw new Invalid("Invalid value at 'generation_config'", 'generation_config');
  checkFields(config, GENERATION_FIELDS, 'generation_config');
  for (const k of ['temperature', 'topP', 'topK', 'maxOutputTokens', 'candidateCount', 'seed', 'presencePenalty', 'frequencyPenalty']) {
    if (config[k] !== undefined && typeof config[k] !== 'number') throw new Invalid(`Invalid value at 'generation_config.${k}' (TYPE_NUMBER), "${String(config[k])}"`, `generation_config.${k}`);
  }
  if (typeof config.temperature === 'number' && (config.temperature < 0 || config.temperature > 2)) throw new Invalid('* GenerateContentRequest.generation_config.temperature: must be between 0 and 2', 'generation_config.temperature');
  if (config.stopSequences !== undefined && (!Array.isArray(config.stopSequences) || config.stopSequences.length > 5)) throw new Invalid('* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences', 'generation_config.stop_sequences');
  if (config.responseSchema !== undefined) {
    if (config.responseMimeType !== 'application/json' && config.responseMimeType !== 'text/x.enum') throw new Invalid('* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be application/json when response_schema is set', 'generation_config.response_mime_type');
    checkSchema(config.responseSchema, 'generation_config.response_schema');
  }
  const thinking = config.thinkingConfig;
  if (thinking !== undefined) {
    if (!isObj(thinking)) throw new Invalid("Invalid value at 'generation_config.thinking_config'", 'generation_config.thinking_config');
    checkFields(thinking, ['includeThoughts', 'thinkingBudget', 'thinkingLevel'], 'generation_config.thinking_config');
  }
}

/** Google's verdict on a generateContent body: undefined when acceptable, else the 400 it answers. */
export function validateGenerateContent(body: Json, flavour: GeminiFlavour): FakeBehavior | undefined {
  try {
    checkFields(body, flavour === 'vertex' ? VERTEX_REQUEST_FIELDS : REQUEST_FIELDS, '');
    checkContents(body.contents);
    if (body.systemInstruction !== undefined) {
      const sys = body.systemInstruction;
      if (!isObj(sys) || !Array.isArray(sys.parts) || sys.parts.length === 0) throw new Invalid('* GenerateContentRequest.system_instruction.parts: must not be empty', 'system_instruction');
      checkFields(sys, ['role', 'parts'], 'system_instruction');
      sys.parts.forEach((p, j) => checkPart(p, `system_instruction.parts[${j}]`, true));
    }
    checkTools(body.tools, body.toolConfig);
    checkGenerationConfig(body.generationConfig);
    return undefined;
  } catch (err) {
    if (err instanceof Invalid) return badRequest(err.message, err.field);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Answers

type Usage = { prompt: number; candidates: number; thoughts?: number; cached?: number };

function usageMetadata(u: Usage): Json {
  return {
    promptTokenCount: u.prompt,
    candidatesTokenCount: u.candidates,
    totalTokenCount: u.prompt + u.candidates + (u.thoughts ?? 0),
    ...(u.thoughts ? { thoughtsTokenCount: u.thoughts } : {}),
    ...(u.cached ? { cachedContentTokenCount: u.cached } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.prompt }],
  };
}

function response(parts: Json[], finishReason: string | undefined, usage: Usage | undefined): Json {
  const candidate: Json = { content: { parts, role: 'model' }, index: 0 };
  if (finishReason) candidate.finishReason = finishReason;
  return { candidates: [candidate], ...(usage ? { usageMetadata: usageMetadata(usage) } : {}), modelVersion: FAKE_GEMINI_MODEL_VERSION, responseId: 'fakeResp123' };
}

/** Streaming: the text in a few word pieces per event, finishReason and full usage on the last one. */
function textEvents(textParts: Json[], finishReason: string, usage: Usage): SseEventSpec[] {
  const events: SseEventSpec[] = [];
  const split: Json[] = [];
  for (const part of textParts) {
    const words = pieces(String(part.text));
    for (let i = 0; i < words.length; i += 2) split.push({ ...part, text: words.slice(i, i + 2).join('') });
  }
  split.forEach((part, i) => {
    const last = i === split.length - 1;
    events.push({ data: response([part], last ? finishReason : undefined, last ? usage : { prompt: usage.prompt, candidates: 0 }) });
  });
  return events;
}

function lastUserText(body: Json): string {
  const contents = Array.isArray(body.contents) ? (body.contents as Json[]) : [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i]!;
    if (c.role === 'model') continue;
    return (c.parts as Json[]).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
  }
  return '';
}

/** With no scripted answer: a function call when tools are offered and not answered yet, else an echo. */
function defaultAnswer(body: Json): GeminiAnswer {
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  const decl = tools.flatMap((t) => (Array.isArray(t.functionDeclarations) ? (t.functionDeclarations as Json[]) : []))[0];
  const contents = Array.isArray(body.contents) ? (body.contents as Json[]) : [];
  const lastParts = (contents[contents.length - 1]?.parts as Json[] | undefined) ?? [];
  const answered = lastParts.some((p) => p.functionResponse !== undefined);
  const mode = ((body.toolConfig as Json | undefined)?.functionCallingConfig as Json | undefined)?.mode;
  if (decl && !answered && mode !== 'NONE') return { kind: 'tool_call', name: String(decl.name), arguments: { location: 'Paris, France', unit: 'celsius' } };
  const text = `Echo: ${lastUserText(body)}`;
  return { kind: 'text', text, promptTokens: Math.ceil(JSON.stringify(contents).length / 4), completionTokens: pieces(text).length };
}

function answerFor(answer: GeminiAnswer, stream: boolean, flavour: GeminiFlavour): FakeBehavior {
  const reply = (responses: Json[], events: SseEventSpec[] = responses.map((data) => ({ data }))): FakeBehavior => (stream ? { kind: 'sse', events } : { kind: 'json', body: responses[responses.length - 1] });
  switch (answer.kind) {
    case 'text': {
      const usage = { prompt: answer.promptTokens, candidates: answer.completionTokens };
      return reply([response([{ text: answer.text }], 'STOP', usage)], textEvents([{ text: answer.text }], 'STOP', usage));
    }
    case 'thinking': {
      const usage = { prompt: 12, candidates: pieces(answer.text).length, thoughts: answer.thoughtsTokens };
      const parts = [{ text: answer.thoughts, thought: true }, { text: answer.text }];
      return reply([response(parts, 'STOP', usage)], textEvents(parts, 'STOP', usage));
    }
    case 'finish': {
      const usage = { prompt: 7, candidates: pieces(answer.text).length };
      return reply([response([{ text: answer.text }], answer.finishReason, usage)], textEvents([{ text: answer.text }], answer.finishReason, usage));
    }
    case 'tool_call': {
      // Thinking models sign their function calls; the signature must come back on the next turn.
      const part = { functionCall: { name: answer.name, args: answer.arguments }, thoughtSignature: 'c2lnbmF0dXJlLW9mLXRoZS1jYWxs' };
      return reply([response([part], 'STOP', { prompt: 42, candidates: 17 })]);
    }
    case 'error': {
      const err = googleErrorFor(answer.error, flavour);
      // A blocked prompt streams as one event carrying only promptFeedback.
      if (stream && err.kind === 'json' && (err.status ?? 200) === 200) return { kind: 'sse', events: [{ data: err.body }] };
      return err;
    }
    case 'stall':
      if (!stream) return { kind: 'hang' };
      return { kind: 'sse', events: [{ data: response([{ text: 'Let me' }], undefined, { prompt: 3, candidates: 0 }) }, { data: response([{ text: ' never finish' }], 'STOP', { prompt: 3, candidates: 3 }) }], hold: { afterEvents: 1, until: new Promise<void>(() => undefined) } };
    case 'raw':
      return reply(answer.responses);
    case 'truncated':
      return { kind: 'sse', events: answer.responses.map((data) => ({ data })) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// OAuth2 token endpoint (JWT bearer grant, RFC 7523, as Google runs it)

function b64urlJson(part: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const tokenError = (error: string, description: string): FakeBehavior => ({ kind: 'json', status: 400, body: { error, error_description: description } });

function tokenAnswer(req: RecordedRequest, publicKey: string, email: string, issued: Map<string, number>, list: string[]): FakeBehavior {
  const form = new URLSearchParams(typeof req.body.raw === 'string' ? req.body.raw : '');
  if (!String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return tokenError('invalid_request', 'Invalid content type');
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return tokenError('unsupported_grant_type', 'Invalid grant_type: ' + String(form.get('grant_type')));
  const [h, p, s] = (form.get('assertion') ?? '').split('.');
  const header = h ? b64urlJson(h) : undefined;
  const claims = p ? b64urlJson(p) : undefined;
  if (!header || !claims || !s) return tokenError('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
  if (header.alg !== 'RS256' || !verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) return tokenError('invalid_grant', 'Invalid JWT Signature.');
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== email) return tokenError('invalid_grant', 'Invalid grant: account not found');
  if (claims.aud !== GOOGLE_TOKEN_AUD) return tokenError('invalid_grant', 'Invalid JWT: audience');
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp <= now || claims.exp - claims.iat > 3600) return tokenError('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
  if (!String(claims.scope ?? '').split(' ').includes(CLOUD_PLATFORM)) return tokenError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  const token = `ya29.fake-${randomBytes(16).toString('hex')}`;
  issued.set(token, Date.now() + 3599_000);
  list.push(token);
  return { kind: 'json', body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
}

// ---------------------------------------------------------------------------------------------------------------
// The server

export interface FakeGeminiOptions {
  apiKey?: string;
  project?: string;
  location?: string;
}

const METHOD_PATH = {
  gemini: /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/,
  vertex: /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent)$/,
};

export async function startFakeGemini(flavour: GeminiFlavour, options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const apiKey = options.apiKey ?? 'AIza-fake-gemini-key';
  const project = options.project ?? 'helix-fake-project';
  const location = options.location ?? 'us-central1';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const email = `helix-fake@${project}.iam.gserviceaccount.com`;
  const issued = new Map<string, number>();
  const tokensIssued: string[] = [];
  const queue: GeminiAnswer[] = [];

  const authFailure = (req: RecordedRequest): FakeBehavior | undefined => {
    if (flavour === 'gemini') {
      const key = req.headers['x-goog-api-key'] ?? req.query.get('key');
      if (key === undefined || key === null) return googleError(403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.');
      return key === apiKey ? undefined : googleErrorFor('auth', 'gemini');
    }
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const expires = token ? issued.get(token) : undefined;
    return expires !== undefined && expires > Date.now() ? undefined : googleErrorFor('auth', 'vertex');
  };

  const server = await startFake((req) => {
    if (flavour === 'vertex' && req.path === '/token' && req.method === 'POST') return tokenAnswer(req, publicKey, email, issued, tokensIssued);
    const m = METHOD_PATH[flavour].exec(req.path);
    if (!m || req.method !== 'POST') return googleError(404, 'NOT_FOUND', `The requested URL ${req.path} was not found on this server.`);
    const refused = authFailure(req);
    if (refused) return refused;
    if (flavour === 'vertex' && (m[1] !== project || m[2] !== location)) return googleError(403, 'PERMISSION_DENIED', `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/projects/${m[1]}/locations/${m[2]}/publishers/google/models/${m[3]}' (or it may not exist).`);
    const method = m[m.length - 1]!;
    if (method === 'batchEmbedContents') return embedAnswer(req.body, m[1]!);
    const stream = method === 'streamGenerateContent';
    if (stream && req.query.get('alt') !== 'sse') return badRequest('this fake only streams with alt=sse');
    const invalid = validateGenerateContent(req.body, flavour);
    if (invalid) return invalid;
    return answerFor(queue.shift() ?? defaultAnswer(req.body), stream, flavour);
  });

  const modelRequests = () => server.requests.filter((r) => r.path !== '/token');
  return {
    flavour,
    url: server.url,
    apiKey,
    project,
    location,
    serviceAccount: {
      type: 'service_account',
      project_id: project,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey,
      client_email: email,
      client_id: '1234567890',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: `${server.url}/token`,
    },
    tokensIssued,
    answerNext: (...answers) => void queue.push(...answers),
    requests: modelRequests,
    tokenRequests: () => server.requests.filter((r) => r.path === '/token'),
    last: () => {
      const r = modelRequests().at(-1);
      if (!r) throw new Error('no request received');
      return r;
    },
    close: () => server.close(),
  };
}

/** batchEmbedContents: one vector per request, its size from outputDimensionality (default 8). */
function embedAnswer(body: Json, model: string): FakeBehavior {
  const requests = Array.isArray(body.requests) ? (body.requests as Json[]) : [];
  if (!requests.length) return badRequest('* BatchEmbedContentsRequest.requests: requests is not specified');
  for (const [i, r] of requests.entries()) {
    if (r.model !== `models/${model}`) return badRequest(`* BatchEmbedContentsRequest.requests[${i}].model: the model must match the one in the URL`);
    const parts = (r.content as Json | undefined)?.parts;
    if (!Array.isArray(parts) || !parts.length) return badRequest(`* BatchEmbedContentsRequest.requests[${i}].content.parts: must not be empty`);
  }
  const embeddings = requests.map((r) => {
    const text = ((r.content as Json).parts as Json[]).map((p) => String(p.text ?? '')).join('');
    const dims = typeof r.outputDimensionality === 'number' ? r.outputDimensionality : 8;
    return { values: Array.from({ length: dims }, (_, i) => (text.length + i) / 100) };
  });
  return { kind: 'json', body: { embeddings } };
}
