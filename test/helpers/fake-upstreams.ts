// Loopback fake upstreams (node:http) for provider tests: an OpenAI-style server (chat, completions, embeddings;
// also answers Azure's /openai/deployments/{d}/… paths) and an Anthropic-style server (/v1/messages).
// They record every request, answer plain JSON or SSE written in many small, awkwardly split writes (inside
// "data:", inside JSON, inside "\n\n", inside multi-byte UTF-8), and can be scripted per request: JSON/error
// answers (429 + Retry-After, 500, …), slow or never-answering upstreams, mid-stream disconnects, held streams.
// The adapters under test run their real code paths against these servers.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRecord } from '../../lib/is-record.ts';
import { UpstreamError, type UpstreamCall } from '../../gateway/providers/types.ts';
import type { ChatCompletionChunk } from '../../core/llm.ts';

export type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  /** Path + query as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Json;
  /** True once the client closed the connection before the response finished. */
  aborted: boolean;
  /** Resolves when the client closes the connection before the response finished. */
  closedEarly: Promise<void>;
}

export interface SseEventSpec {
  event?: string;
  /** Objects are JSON-encoded; strings are sent as-is (e.g. "[DONE]"). */
  data: unknown;
}

export type FakeBehavior =
  /** The built-in answer for the endpoint (echo / tool call / embeddings), streaming when the request asks. */
  | { kind: 'auto'; delayMs?: number }
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | { kind: 'text'; status: number; body: string; headers?: Record<string, string> }
  | {
      kind: 'sse';
      events: SseEventSpec[];
      /** Close the socket abruptly after this many events (and half of the next one). */
      disconnectAfterEvents?: number;
      /** Send the first `afterEvents` events, then wait for `until` before sending the rest. */
      hold?: { afterEvents: number; until: Promise<void> };
      /** Pause between events (ms); default: next tick. */
      gapMs?: number;
      headers?: Record<string, string>;
    }
  /** Accepts the request and never answers (timeouts, aborts). */
  | { kind: 'hang' }
  /** Resets the connection without an answer. */
  | { kind: 'destroy' };

/** Write sizes cycled through when splitting SSE text: boundaries land in awkward places. */
const SPLITS = [1, 3, 7, 2, 13, 5, 29, 4, 11];

async function writeAwkward(res: ServerResponse, bytes: Buffer, splitState: { i: number }): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    if (res.destroyed) return;
    const size = SPLITS[splitState.i++ % SPLITS.length]!;
    res.write(bytes.subarray(offset, offset + size));
    offset += size;
    await new Promise<void>((r) => setImmediate(r));
  }
}

export function sseText(ev: SseEventSpec): string {
  const data = typeof ev.data === 'string' ? ev.data : JSON.stringify(ev.data);
  return `${ev.event ? `event: ${ev.event}\n` : ''}data: ${data}\n\n`;
}

async function sendSse(res: ServerResponse, b: Extract<FakeBehavior, { kind: 'sse' }>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...b.headers });
  res.flushHeaders();
  const split = { i: 0 };
  for (let n = 0; n < b.events.length; n++) {
    if (b.hold && n === b.hold.afterEvents) await b.hold.until;
    const bytes = Buffer.from(sseText(b.events[n]!), 'utf8');
    if (b.disconnectAfterEvents !== undefined && n === b.disconnectAfterEvents) {
      await writeAwkward(res, bytes.subarray(0, Math.floor(bytes.length / 2)), split);
      res.socket?.destroy();
      return;
    }
    await writeAwkward(res, bytes, split);
    if (b.gapMs) await sleep(b.gapMs);
  }
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

type AutoHandler = (req: RecordedRequest) => FakeBehavior;

export interface FakeUpstream {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queue behaviours for the next requests (FIFO); an empty queue answers `auto`. */
  enqueue(...behaviors: FakeBehavior[]): void;
  /** The most recent request (throws when none arrived). */
  last(): RecordedRequest;
  /** Resolves with the next request to arrive. */
  nextRequest(): Promise<RecordedRequest>;
  /** Sockets the server accepted (keep-alive reuse shows as fewer connections than requests). */
  readonly connections: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Json> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : { value: v };
  } catch {
    return { raw: text };
  }
}

export async function startFake(auto: AutoHandler): Promise<FakeUpstream> {
  const queue: FakeBehavior[] = [];
  const requests: RecordedRequest[] = [];
  const waiters: Array<(r: RecordedRequest) => void> = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      let markClosed!: () => void;
      const closedEarly = new Promise<void>((r) => (markClosed = r));
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: {},
        aborted: false,
        closedEarly,
      };
      res.on('close', () => {
        if (!res.writableFinished) {
          recorded.aborted = true;
          markClosed();
        }
      });
      recorded.body = await readBody(req);
      requests.push(recorded);
      for (const w of waiters.splice(0)) w(recorded);
      const behavior = queue.shift() ?? { kind: 'auto' };
      await respond(res, behavior.kind === 'auto' ? (behavior.delayMs ? await sleep(behavior.delayMs).then(() => auto(recorded)) : auto(recorded)) : behavior);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: 'fake_error' } });
      else res.destroy();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...b) => void queue.push(...b),
    last: () => {
      const r = requests[requests.length - 1];
      if (!r) throw new Error('no request received');
      return r;
    },
    nextRequest: () => new Promise<RecordedRequest>((r) => waiters.push(r)),
    get connections() {
      return connections;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function respond(res: ServerResponse, b: FakeBehavior): Promise<void> {
  switch (b.kind) {
    case 'json':
      if (b.delayMs) await sleep(b.delayMs);
      if (!res.destroyed) sendJson(res, b.status ?? 200, b.body, b.headers);
      return;
    case 'text':
      res.writeHead(b.status, { 'content-type': 'text/plain', ...b.headers });
      res.end(b.body);
      return;
    case 'sse':
      return sendSse(res, b);
    case 'hang':
      return;
    case 'destroy':
      res.socket?.destroy();
      return;
    case 'auto':
      throw new Error('auto must be resolved by the server');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers for the built-in answers

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as Json;
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p) => str((p as Json)?.text)).join('');
  }
  return '';
}

/** Splits a reply into word pieces the way real providers stream. */
export function pieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function toolName(tool: unknown): string | undefined {
  const t = tool as Json;
  const fn = t?.function as Json | undefined;
  return typeof fn?.name === 'string' ? fn.name : typeof t?.name === 'string' ? t.name : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAI-style upstream

export const FAKE_OPENAI_TOOL_ARGS = '{"location":"Paris, France","unit":"celsius"}';

export interface FakeOpenAIOptions {
  /** Ignore `stream_options.include_usage` and never send usage (like servers without support). */
  noStreamUsage?: boolean;
}

export function openAIChatAnswer(body: Json, options: FakeOpenAIOptions = {}): FakeBehavior {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const text = `Echo: ${lastUserText(messages)}`;
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const lastRole = (messages[messages.length - 1] as Json | undefined)?.role;
  const callTool = tools.length > 0 && body.tool_choice !== 'none' && lastRole !== 'tool';
  const name = callTool ? (toolName(tools[0]) ?? 'tool') : undefined;
  const promptTokens = Math.ceil(JSON.stringify(messages).length / 4);
  const completionTokens = callTool ? 12 : pieces(text).length;
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens, prompt_tokens_details: { cached_tokens: 0 } };
  const id = 'chatcmpl-fake123';
  const created = 1_700_000_000;
  const model = str(body.model) || 'fake-model';
  if (body.stream !== true) {
    const message = callTool
      ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake1', type: 'function', function: { name, arguments: FAKE_OPENAI_TOOL_ARGS } }] }
      : { role: 'assistant', content: text, refusal: null };
    return { kind: 'json', body: { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: callTool ? 'tool_calls' : 'stop', logprobs: null }], usage, system_fingerprint: 'fp_fake' } };
  }
  const base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake' };
  const withUsage = !options.noStreamUsage && (body.stream_options as Json | undefined)?.include_usage === true;
  const chunk = (delta: Json, finish: string | null = null) => ({ data: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) } });
  const events: SseEventSpec[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  if (callTool) {
    events.push(chunk({ tool_calls: [{ index: 0, id: 'call_fake1', type: 'function', function: { name, arguments: '' } }] }));
    for (const part of ['{"loc', 'ation":"Par', 'is, France","unit', '":"celsius"}']) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
    events.push(chunk({}, 'tool_calls'));
  } else {
    for (const p of pieces(text)) events.push(chunk({ content: p }));
    events.push(chunk({}, 'stop'));
  }
  if (withUsage) events.push({ data: { ...base, choices: [], usage } });
  events.push({ data: '[DONE]' });
  return { kind: 'sse', events };
}

function openAICompletionAnswer(body: Json, options: FakeOpenAIOptions): FakeBehavior {
  const prompt = Array.isArray(body.prompt) ? body.prompt.map(String).join(' ') : str(body.prompt);
  const text = ` completed: ${prompt}`;
  const usage = { prompt_tokens: pieces(prompt).length, completion_tokens: pieces(text).length, total_tokens: pieces(prompt).length + pieces(text).length };
  const base = { id: 'cmpl-fake1', object: 'text_completion', created: 1_700_000_000, model: str(body.model) };
  if (body.stream !== true) return { kind: 'json', body: { ...base, choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }], usage } };
  const withUsage = !options.noStreamUsage && (body.stream_options as Json | undefined)?.include_usage === true;
  const events: SseEventSpec[] = pieces(text).map((p) => ({ data: { ...base, choices: [{ index: 0, text: p, finish_reason: null, logprobs: null }] } }));
  events.push({ data: { ...base, choices: [{ index: 0, text: '', finish_reason: 'stop', logprobs: null }] } });
  if (withUsage) events.push({ data: { ...base, choices: [], usage } });
  events.push({ data: '[DONE]' });
  return { kind: 'sse', events };
}

function openAIEmbeddingAnswer(body: Json): FakeBehavior {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const dims = typeof body.dimensions === 'number' ? body.dimensions : 4;
  const vector = (input: unknown) => Array.from({ length: dims }, (_, i) => (String(input).length + i) / 100);
  // Like OpenAI: base64 (little-endian float32) when asked — the official SDK asks by default.
  const encode = (v: number[]) => (body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v);
  const data = inputs.map((input, index) => ({ object: 'embedding', index, embedding: encode(vector(input)) }));
  return { kind: 'json', body: { object: 'list', data, model: str(body.model), usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 } } };
}

/** OpenAI-style fake: `/…/chat/completions`, `/…/completions`, `/…/embeddings` (any prefix, so Azure paths work). */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeUpstream> {
  return startFake((req) => {
    if (req.path.endsWith('/chat/completions')) return openAIChatAnswer(req.body, options);
    if (req.path.endsWith('/completions')) return openAICompletionAnswer(req.body, options);
    if (req.path.endsWith('/embeddings')) return openAIEmbeddingAnswer(req.body);
    return { kind: 'json', status: 404, body: { error: { message: `no route ${req.path}`, type: 'invalid_request_error', code: 'not_found' } } };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Anthropic-style upstream

export const FAKE_ANTHROPIC_TOOL_INPUT = { location: 'Paris, France', unit: 'celsius' };
/** With `thinking: {type: 'enabled'}` the fake answers a thinking block (this signature) and a redacted one. */
export const FAKE_ANTHROPIC_THINKING = 'Let me think about it step by step.';
export const FAKE_ANTHROPIC_SIGNATURE = 'EqQBCkYIARgCIkB+/sig==\u2028ErUBCkYI/+AAzz==';
export const FAKE_ANTHROPIC_REDACTED = 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP';

/** The fake's input token count of a Messages body (what /v1/messages reports and count_tokens answers). */
export function fakeAnthropicInputTokens(body: Json): number {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return Math.ceil(JSON.stringify(messages).length / 4) + (typeof body.system === 'string' ? Math.ceil(body.system.length / 4) : 0);
}

export interface FakeAnthropicOptions {
  /** Reported as cache_read_input_tokens / cache_creation_input_tokens. */
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
}

export function anthropicAnswer(body: Json, options: FakeAnthropicOptions = {}): FakeBehavior {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const text = `Echo: ${lastUserText(messages)}`;
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const choice = body.tool_choice as Json | undefined;
  const lastContent = (messages[messages.length - 1] as Json | undefined)?.content;
  const answeredTool = Array.isArray(lastContent) && lastContent.some((b) => (b as Json)?.type === 'tool_result');
  const callTool = tools.length > 0 && choice?.type !== 'none' && !answeredTool;
  const forced = choice?.type === 'tool' ? str(choice.name) : undefined;
  const name = forced ?? (callTool ? (toolName(tools[0]) ?? 'tool') : undefined);
  const input = forced === 'json_tool_call' ? { answer: 42 } : FAKE_ANTHROPIC_TOOL_INPUT;
  const inputTokens = fakeAnthropicInputTokens(body);
  const thinking = (body.thinking as Json | undefined)?.type === 'enabled';
  const outputTokens = (callTool ? 20 : pieces(text).length) + (thinking ? pieces(FAKE_ANTHROPIC_THINKING).length : 0);
  const cache = { cache_creation_input_tokens: options.cacheCreationTokens ?? 0, cache_read_input_tokens: options.cacheReadTokens ?? 0 };
  const id = 'msg_fake01';
  const model = str(body.model) || 'claude-fake';
  const thoughts = thinking ? [{ type: 'thinking', thinking: FAKE_ANTHROPIC_THINKING, signature: FAKE_ANTHROPIC_SIGNATURE }, { type: 'redacted_thinking', data: FAKE_ANTHROPIC_REDACTED }] : [];
  const content = [...thoughts, ...(callTool ? [{ type: 'tool_use', id: 'toolu_fake1', name, input }] : [{ type: 'text', text }])];
  const stop = callTool ? 'tool_use' : 'end_turn';
  if (body.stream !== true) {
    return {
      kind: 'json',
      body: { id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: outputTokens, ...cache, service_tier: 'standard' } },
    };
  }
  const ev = (type: string, data: Json): SseEventSpec => ({ event: type, data: { type, ...data } });
  const events: SseEventSpec[] = [
    ev('message_start', {
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1, ...cache, service_tier: 'standard' } },
    }),
    ev('ping', {}),
  ];
  let index = 0;
  if (thinking) {
    events.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const p of pieces(FAKE_ANTHROPIC_THINKING)) events.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: p } }));
    events.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: FAKE_ANTHROPIC_SIGNATURE } }));
    events.push(ev('content_block_stop', { index }));
    index++;
    events.push(ev('content_block_start', { index, content_block: { type: 'redacted_thinking', data: FAKE_ANTHROPIC_REDACTED } }));
    events.push(ev('content_block_stop', { index }));
    index++;
  }
  if (callTool) {
    // Like Claude: a short preface unless the tool is forced, then the tool_use block with its input in fragments.
    if (!forced) {
      events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: 'Let me check.' } }));
      events.push(ev('content_block_stop', { index }));
      index++;
    }
    events.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: 'toolu_fake1', name, input: {} } }));
    const json = JSON.stringify(input);
    events.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }));
    for (let i = 0; i < json.length; i += 9) events.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 9) } }));
    events.push(ev('content_block_stop', { index }));
  } else {
    events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const p of pieces(text)) events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: p } }));
    events.push(ev('content_block_stop', { index }));
  }
  events.push(ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: outputTokens } }));
  events.push(ev('message_stop', {}));
  return { kind: 'sse', events };
}

/** Anthropic-style fake: `POST /v1/messages` and `POST /v1/messages/count_tokens`. */
export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeUpstream> {
  return startFake((req) => {
    if (req.path.endsWith('/v1/messages/count_tokens')) return { kind: 'json', body: { input_tokens: fakeAnthropicInputTokens(req.body) } };
    if (req.path.endsWith('/v1/messages')) return anthropicAnswer(req.body, options);
    return { kind: 'json', status: 404, body: { type: 'error', error: { type: 'not_found_error', message: `no route ${req.path}` } } };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// A bare loopback server for SDK round-trip tests (serve whatever a translator produced).

export interface LoopbackServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLoopbackServer(handler: (req: IncomingMessage, body: Json, res: ServerResponse) => Promise<void> | void): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    void readBody(req)
      .then((body) => handler(req, body, res))
      .catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(err) } });
        else res.destroy();
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Writes SSE text in awkwardly split small writes. */
export async function writeSseAwkwardly(res: ServerResponse, text: string): Promise<void> {
  await writeAwkward(res, Buffer.from(text, 'utf8'), { i: 0 });
}

// ---------------------------------------------------------------------------------------------------------------
// UpstreamCall for driving adapters directly.

export interface TestCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  params?: Record<string, unknown>;
}

/** `provider/model` + litellm params → the UpstreamCall the router would build. */
export function testCallContext(model: string, options: TestCallOptions = {}): UpstreamCall {
  const slash = model.indexOf('/');
  const provider = slash > 0 ? model.slice(0, slash) : 'openai';
  const upstreamModel = slash > 0 ? model.slice(slash + 1) : model;
  return {
    deployment: { id: `${model}#0`, modelName: model, provider, upstreamModel, params: { model, ...options.params } },
    signal: options.signal ?? new AbortController().signal,
    requestId: 'req-test',
    timeoutMs: options.timeoutMs ?? 10_000,
  };
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** An assert.rejects/throws matcher: an UpstreamError with this status (and whatever `check` wants of it). */
export const isUpstream = (status: number, check: (e: UpstreamError) => boolean = () => true) => (err: unknown) => {
  assert.ok(err instanceof UpstreamError, `expected UpstreamError, got ${String(err)}`);
  assert.equal(err.status, status, err.message);
  assert.ok(check(err), `unexpected error details: ${JSON.stringify({ message: err.message, ...err.options })}`);
  return true;
};

/** Reassembles a streamed chat completion. */
export function assemble(chunks: ChatCompletionChunk[]) {
  let content = '';
  const tools = new Map<number, { id?: string; name: string; arguments: string }>();
  let finish: string | null = null;
  for (const c of chunks) {
    for (const choice of c.choices) {
      if (typeof choice.delta.content === 'string') content += choice.delta.content;
      for (const tc of choice.delta.tool_calls ?? []) {
        const t = tools.get(tc.index) ?? { name: '', arguments: '' };
        if (tc.id) t.id = tc.id;
        if (tc.function?.name) t.name += tc.function.name;
        if (tc.function?.arguments) t.arguments += tc.function.arguments;
        tools.set(tc.index, t);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { content, tools: [...tools.values()], finish, usage: chunks[chunks.length - 1]?.usage };
}
