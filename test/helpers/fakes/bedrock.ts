// A loopback fake of the Bedrock runtime's Converse API: POST /model/{modelId}/converse and /converse-stream.
// Like the real service it checks the SigV4 signature (recomputed with @smithy/signature-v4 from the known test
// credentials; 403 InvalidSignatureException otherwise), rejects malformed Converse requests (unknown fields,
// non-alternating roles, blank text, tool blocks without toolConfig) with 400 ValidationException, names errors
// in `x-amzn-errortype`, and streams real `application/vnd.amazon.eventstream` frames split awkwardly across writes.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { isRecord } from '../../../lib/is-record.ts';
import type { ScriptedAnswer } from '../conformance/provider.ts';
import { pieces, type Json, type RecordedRequest } from '../fake-upstreams.ts';

export const FAKE_AWS_CREDENTIALS = { accessKeyId: 'AKIAHELIXFAKE000TEST', secretAccessKey: 'helix/fake+secret/key0000000000000000000' } as const;
export const FAKE_AWS_REGION = 'us-east-1';
export const FAKE_BEDROCK_MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
export const FAKE_BEDROCK_TOOL_USE_ID = 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q';

export type BedrockAnswer =
  | ScriptedAnswer
  /** An HTTP error answer with this exception name and message. */
  | { kind: 'aws_error'; status: number; type: string; message: string }
  /** A stream that starts, then sends an exception frame (`throttlingException`, `modelStreamErrorException`, …). */
  | { kind: 'stream_exception'; exception: string; message: string }
  /** A stream that stops after its first text delta (no messageStop: truncated). */
  | { kind: 'truncated' };

export interface FakeBedrock {
  /** `http://127.0.0.1:PORT`, to use as `api_base`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  answerNext(answer: BedrockAnswer): void;
  close(): Promise<void>;
}

export interface FakeBedrockOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region?: string;
  /** Text of the answer when nothing is queued. */
  defaultText?: string;
}

/** Each error class of the conformance suite, as Bedrock answers it. */
const ERROR_ANSWERS: Record<Extract<ScriptedAnswer, { kind: 'error' }>['error'], { status: number; type: string; message: string }> = {
  auth: { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' },
  rate_limit: { status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  bad_request: { status: 400, type: 'ValidationException', message: 'Malformed input request: #/inferenceConfig/temperature: 3 is not less or equal to 1, please reformat your input and try again.' },
  server: { status: 500, type: 'InternalServerException', message: 'The system encountered an unexpected error during processing. Try your request again.' },
  context_window: { status: 400, type: 'ValidationException', message: 'Input is too long for requested model.' },
  content_policy: { status: 400, type: 'ValidationException', message: 'This request has been blocked by our content filters.' },
};

// ---------------------------------------------------------------------------------------------------------------
// Request validation, after the Converse API reference

const TOP_LEVEL = new Set(['messages', 'system', 'inferenceConfig', 'toolConfig', 'guardrailConfig', 'additionalModelRequestFields', 'additionalModelResponseFieldPaths', 'promptVariables', 'requestMetadata', 'performanceConfig']);
const BLOCK_KEYS = new Set(['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardContent', 'cachePoint', 'reasoningContent']);
const INFERENCE_KEYS = new Set(['maxTokens', 'temperature', 'topP', 'stopSequences']);
const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

class Invalid extends Error {}

function only(v: unknown, where: string, allowed: Set<string>): [string, unknown] {
  if (!isRecord(v)) throw new Invalid(`Malformed input request: ${where} must be an object, please reformat your input and try again.`);
  const keys = Object.keys(v);
  for (const k of keys) if (!allowed.has(k)) throw new Invalid(`Malformed input request: extraneous key [${k}] is not permitted at ${where}, please reformat your input and try again.`);
  if (keys.length !== 1) throw new Invalid(`Malformed input request: ${where} must set exactly one member, please reformat your input and try again.`);
  return [keys[0]!, v[keys[0]!]];
}

function checkSource(source: unknown, where: string): void {
  const [kind, value] = only(source, `${where}.source`, new Set(['bytes', 's3Location']));
  if (kind === 'bytes' && (typeof value !== 'string' || !value || !BASE64.test(value))) throw new Invalid(`Malformed input request: ${where}.source.bytes must be base64, please reformat your input and try again.`);
}

function checkBlock(block: unknown, where: string, role: string): { toolUse?: string; toolResult?: string } {
  const [kind, value] = only(block, where, BLOCK_KEYS);
  switch (kind) {
    case 'text':
      if (typeof value !== 'string' || !value.trim()) throw new Invalid(`The text field in the ContentBlock object at ${where} is blank. Add text to the text field, and try again.`);
      return {};
    case 'image':
      if (!isRecord(value) || !IMAGE_FORMATS.has(String(value.format))) throw new Invalid(`Malformed input request: ${where}.image.format is invalid, please reformat your input and try again.`);
      checkSource(value.source, `${where}.image`);
      return {};
    case 'document':
      if (!isRecord(value) || typeof value.name !== 'string' || !/^[A-Za-z0-9\-()[\] ]+$/.test(value.name)) throw new Invalid(`The document name at ${where} is invalid.`);
      checkSource(value.source, `${where}.document`);
      return {};
    case 'toolUse':
      if (role !== 'assistant') throw new Invalid(`toolUse blocks are only allowed in assistant messages (${where}).`);
      if (!isRecord(value) || typeof value.toolUseId !== 'string' || typeof value.name !== 'string' || !isRecord(value.input)) throw new Invalid(`Malformed input request: ${where}.toolUse needs toolUseId, name and an object input, please reformat your input and try again.`);
      return { toolUse: value.toolUseId };
    case 'toolResult': {
      if (role !== 'user') throw new Invalid(`toolResult blocks are only allowed in user messages (${where}).`);
      if (!isRecord(value) || typeof value.toolUseId !== 'string' || !Array.isArray(value.content)) throw new Invalid(`Malformed input request: ${where}.toolResult needs toolUseId and content, please reformat your input and try again.`);
      if (value.status !== undefined && value.status !== 'success' && value.status !== 'error') throw new Invalid(`Malformed input request: ${where}.toolResult.status is invalid, please reformat your input and try again.`);
      value.content.forEach((c, i) => only(c, `${where}.toolResult.content.${i}`, new Set(['text', 'json', 'image', 'document', 'video'])));
      return { toolResult: value.toolUseId };
    }
    default:
      return {};
  }
}

function checkToolConfig(config: unknown): void {
  if (!isRecord(config) || !Array.isArray(config.tools) || config.tools.length === 0) throw new Invalid('Malformed input request: toolConfig.tools must be a non-empty list, please reformat your input and try again.');
  for (const k of Object.keys(config)) if (k !== 'tools' && k !== 'toolChoice') throw new Invalid(`Malformed input request: extraneous key [${k}] is not permitted, please reformat your input and try again.`);
  config.tools.forEach((tool, i) => {
    const [kind, spec] = only(tool, `toolConfig.tools.${i}`, new Set(['toolSpec', 'cachePoint']));
    if (kind !== 'toolSpec') return;
    if (!isRecord(spec) || typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name) || !isRecord(spec.inputSchema) || !isRecord(spec.inputSchema.json)) {
      throw new Invalid(`Malformed input request: toolConfig.tools.${i}.toolSpec needs a name and inputSchema.json, please reformat your input and try again.`);
    }
  });
  if (config.toolChoice !== undefined) {
    const [kind, value] = only(config.toolChoice, 'toolConfig.toolChoice', new Set(['auto', 'any', 'tool']));
    if (kind === 'tool' && !(isRecord(value) && typeof value.name === 'string')) throw new Invalid('Malformed input request: toolConfig.toolChoice.tool needs a name, please reformat your input and try again.');
  }
}

/** Throws Invalid with Bedrock's wording for the first problem found. */
export function validateConverseRequest(body: Json): void {
  for (const k of Object.keys(body)) if (!TOP_LEVEL.has(k)) throw new Invalid(`Malformed input request: extraneous key [${k}] is not permitted, please reformat your input and try again.`);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new Invalid('Malformed input request: messages must be a non-empty list, please reformat your input and try again.');
  let usesTools = false;
  messages.forEach((m, i) => {
    if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant')) throw new Invalid(`Malformed input request: messages.${i}.role must be user or assistant, please reformat your input and try again.`);
    for (const k of Object.keys(m)) if (k !== 'role' && k !== 'content') throw new Invalid(`Malformed input request: extraneous key [${k}] is not permitted, please reformat your input and try again.`);
    if (i === 0 && m.role !== 'user') throw new Invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    if (i > 0 && (messages[i - 1] as Json).role === m.role) throw new Invalid('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    if (!Array.isArray(m.content) || m.content.length === 0) throw new Invalid(`Malformed input request: messages.${i}.content must be a non-empty list, please reformat your input and try again.`);
    m.content.forEach((b, j) => {
      const tools = checkBlock(b, `messages.${i}.content.${j}`, m.role as string);
      if (tools.toolUse || tools.toolResult) usesTools = true;
    });
  });
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) throw new Invalid('Malformed input request: system must be a list, please reformat your input and try again.');
    body.system.forEach((b, i) => {
      const [kind, value] = only(b, `system.${i}`, new Set(['text', 'cachePoint', 'guardContent']));
      if (kind === 'text' && (typeof value !== 'string' || !value.trim())) throw new Invalid(`The text field in the SystemContentBlock object at system.${i} is blank. Add text to the text field, and try again.`);
    });
  }
  if (body.inferenceConfig !== undefined) {
    if (!isRecord(body.inferenceConfig)) throw new Invalid('Malformed input request: inferenceConfig must be an object, please reformat your input and try again.');
    for (const [k, v] of Object.entries(body.inferenceConfig)) {
      if (!INFERENCE_KEYS.has(k)) throw new Invalid(`Malformed input request: extraneous key [${k}] is not permitted, please reformat your input and try again.`);
      if (k === 'stopSequences' ? !Array.isArray(v) || v.some((s) => typeof s !== 'string') : typeof v !== 'number') throw new Invalid(`Malformed input request: inferenceConfig.${k} has the wrong type, please reformat your input and try again.`);
    }
  }
  if (body.toolConfig !== undefined) checkToolConfig(body.toolConfig);
  else if (usesTools) throw new Invalid('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
}

// ---------------------------------------------------------------------------------------------------------------
// SigV4 verification

/** `20240101T120000Z` → Date. */
function amzDate(v: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

const single = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(',') : (v ?? ''));

/** undefined when the request is signed by `credentials` for bedrock in `region`; else the AWS error to answer. */
async function signatureProblem(req: IncomingMessage, raw: Buffer, credentials: NonNullable<FakeBedrockOptions['credentials']>, region: string): Promise<{ status: number; type: string; message: string } | undefined> {
  const auth = single(req.headers.authorization);
  if (!auth) return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { status: 403, type: 'IncompleteSignatureException', message: 'Authorization header requires Credential, SignedHeaders and Signature.' };
  const [, keyId, , scopeRegion, service, signedList] = m;
  if (keyId !== credentials.accessKeyId) return { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (scopeRegion !== region || service !== 'bedrock') return { status: 403, type: 'InvalidSignatureException', message: `Credential should be scoped to a valid region and service bedrock (got ${scopeRegion}/${service}).` };
  if (credentials.sessionToken !== undefined && single(req.headers['x-amz-security-token']) !== credentials.sessionToken) return { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  const date = amzDate(single(req.headers['x-amz-date']));
  if (!date) return { status: 403, type: 'IncompleteSignatureException', message: 'X-Amz-Date is missing or malformed.' };
  const bodyHash = createHash('sha256').update(raw).digest('hex');
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== bodyHash) return { status: 403, type: 'InvalidSignatureException', message: 'The provided x-amz-content-sha256 header does not match what was computed.' };
  const headers: Record<string, string> = {};
  for (const name of signedList!.split(';')) headers[name] = single(req.headers[name]);
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const signer = new SignatureV4({ credentials, region, service: 'bedrock', sha256: Sha256 });
  const expected = await signer.sign(
    { method: req.method ?? 'POST', protocol: 'http:', hostname: headers.host ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: raw },
    { signingDate: date },
  );
  if (expected.headers.authorization !== auth) {
    return { status: 403, type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.' };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Answers

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const str = (value: string) => ({ type: 'string' as const, value });

/** One `event` frame; Bedrock pads payloads with a `p` field clients must ignore. */
export function eventFrame(type: string, payload: Json): Uint8Array {
  const headers: MessageHeaders = { ':event-type': str(type), ':content-type': str('application/json'), ':message-type': str('event') };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify({ ...payload, p: 'abcdefghijklmnopqrstuvwxyzABCDEF'.slice(0, 4 + (type.length % 20)) })) });
}

export function exceptionFrame(exception: string, message: string): Uint8Array {
  const headers: MessageHeaders = { ':exception-type': str(exception), ':content-type': str('application/json'), ':message-type': str('exception') };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify({ message })) });
}

/** Write sizes cycled through: frames land split mid-prelude, mid-header, mid-CRC, and several in one write. */
const SPLITS = [1, 3, 7, 2, 13, 5, 29, 4, 11, 300];

async function writeFrames(res: ServerResponse, frames: Uint8Array[], split: { i: number }): Promise<void> {
  const bytes = Buffer.concat(frames);
  let offset = 0;
  while (offset < bytes.length && !res.destroyed) {
    const size = SPLITS[split.i++ % SPLITS.length]!;
    res.write(bytes.subarray(offset, offset + size));
    offset += size;
    await new Promise<void>((r) => setImmediate(r));
  }
}

function sendAwsError(res: ServerResponse, e: { status: number; type: string; message: string }): void {
  const text = JSON.stringify({ message: e.message });
  res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': `${e.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function usageOf(promptTokens: number, completionTokens: number): Json {
  return { inputTokens: promptTokens, outputTokens: completionTokens, totalTokens: promptTokens + completionTokens };
}

/** The answer's events in stream order (the same content answers a non-stream request). */
function answerEvents(answer: Extract<ScriptedAnswer, { kind: 'text' | 'tool_call' }>): Array<[string, Json]> {
  const events: Array<[string, Json]> = [['messageStart', { role: 'assistant' }]];
  if (answer.kind === 'text') {
    for (const piece of pieces(answer.text)) events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { text: piece } }]);
    events.push(['contentBlockStop', { contentBlockIndex: 0 }], ['messageStop', { stopReason: 'end_turn' }]);
    events.push(['metadata', { usage: usageOf(answer.promptTokens, answer.completionTokens), metrics: { latencyMs: 42 } }]);
    return events;
  }
  const input = JSON.stringify(answer.arguments);
  events.push(['contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: FAKE_BEDROCK_TOOL_USE_ID, name: answer.name } } }]);
  const third = Math.max(1, Math.ceil(input.length / 3));
  for (let i = 0; i < input.length; i += third) events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: input.slice(i, i + third) } } }]);
  events.push(['contentBlockStop', { contentBlockIndex: 0 }], ['messageStop', { stopReason: 'tool_use' }]);
  events.push(['metadata', { usage: usageOf(25, 18), metrics: { latencyMs: 42 } }]);
  return events;
}

function converseResponse(answer: Extract<ScriptedAnswer, { kind: 'text' | 'tool_call' }>): Json {
  if (answer.kind === 'text') {
    return { output: { message: { role: 'assistant', content: [{ text: answer.text }] } }, stopReason: 'end_turn', usage: usageOf(answer.promptTokens, answer.completionTokens), metrics: { latencyMs: 42 } };
  }
  const content = [{ toolUse: { toolUseId: FAKE_BEDROCK_TOOL_USE_ID, name: answer.name, input: answer.arguments } }];
  return { output: { message: { role: 'assistant', content } }, stopReason: 'tool_use', usage: usageOf(25, 18), metrics: { latencyMs: 42 } };
}

function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID(), 'transfer-encoding': 'chunked' });
  res.flushHeaders();
}

async function answer(res: ServerResponse, stream: boolean, a: BedrockAnswer, closed: Promise<void>): Promise<void> {
  if (a.kind === 'error') return sendAwsError(res, ERROR_ANSWERS[a.error]);
  if (a.kind === 'aws_error') return sendAwsError(res, a);
  if (a.kind === 'stall') {
    if (stream) {
      startEventStream(res);
      await writeFrames(res, [eventFrame('messageStart', { role: 'assistant' })], { i: 0 });
    }
    return closed; // nothing more until the client goes away
  }
  if (!stream) {
    if (a.kind === 'text' || a.kind === 'tool_call') {
      const text = JSON.stringify(converseResponse(a));
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    return sendAwsError(res, { status: 500, type: 'InternalServerException', message: 'stream-only answer scripted for a non-stream request' });
  }
  startEventStream(res);
  const split = { i: 0 };
  if (a.kind === 'stream_exception') {
    await writeFrames(res, [eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Partial' } }), exceptionFrame(a.exception, a.message)], split);
  } else if (a.kind === 'truncated') {
    await writeFrames(res, [eventFrame('messageStart', { role: 'assistant' }), eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Partial' } })], split);
  } else {
    for (const [type, payload] of answerEvents(a)) await writeFrames(res, [eventFrame(type, payload)], split);
  }
  res.end();
}

// ---------------------------------------------------------------------------------------------------------------
// The server

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const credentials = options.credentials ?? FAKE_AWS_CREDENTIALS;
  const region = options.region ?? FAKE_AWS_REGION;
  const queue: BedrockAnswer[] = [];
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let markClosed!: () => void;
      const closedEarly = new Promise<void>((r) => (markClosed = r));
      const recorded: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', path: url.pathname, query: url.searchParams, headers: req.headers, body: {}, aborted: false, closedEarly };
      res.on('close', () => {
        if (res.writableFinished) return;
        recorded.aborted = true;
        markClosed();
      });
      const parts: Buffer[] = [];
      for await (const chunk of req) parts.push(chunk as Buffer);
      const raw = Buffer.concat(parts);
      let parsed: unknown;
      try {
        parsed = raw.length ? JSON.parse(raw.toString('utf8')) : {};
      } catch {
        parsed = undefined;
      }
      recorded.body = isRecord(parsed) ? parsed : { raw: raw.toString('utf8') };
      requests.push(recorded);

      const route = ROUTE.exec(url.pathname);
      if (req.method !== 'POST' || !route) return sendAwsError(res, { status: 404, type: 'UnknownOperationException', message: `No operation at ${req.method} ${url.pathname}` });
      const problem = await signatureProblem(req, raw, credentials, region);
      if (problem) return sendAwsError(res, problem);
      if (!isRecord(parsed)) return sendAwsError(res, { status: 400, type: 'SerializationException', message: 'The request body is not valid JSON.' });
      try {
        validateConverseRequest(parsed);
      } catch (err) {
        if (err instanceof Invalid) return sendAwsError(res, { status: 400, type: 'ValidationException', message: err.message });
        throw err;
      }
      const next = queue.shift() ?? { kind: 'text', text: options.defaultText ?? 'hello from bedrock', promptTokens: 12, completionTokens: 3 };
      await answer(res, route[2] === 'converse-stream', next, closedEarly);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendAwsError(res, { status: 500, type: 'InternalServerException', message: `fake failure: ${String(err)}` });
      else res.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answerNext: (a) => void queue.push(a),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
