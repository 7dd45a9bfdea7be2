// Steady mixed traffic at a fixed rate (open loop: a request starts every 1/rps s whether or not the previous one
// answered), every request tagged with its own x-request-id so its rows can be found in ClickHouse. Each call ends
// as ok (a complete answer: JSON parsed, or a stream to its end marker), refused (an HTTP error, with its code) or
// failed (no answer, or a stream cut short).
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChaosKey {
  key: string;
  keyId: string;
  /** USD; undefined = no budget. */
  budget?: number;
}

/** The keys traffic uses in a phase: two without a budget, a large budget and one spent within the phase. */
export interface PhaseKeys {
  plain: ChaosKey;
  other: ChaosKey;
  big: ChaosKey;
  tight: ChaosKey;
}

export type Outcome = 'ok' | 'refused' | 'failed';

export interface Call {
  id: string;
  phase: number;
  kind: string;
  keyId: string;
  budgeted: boolean;
  sentAt: number;
  doneAt?: number;
  outcome?: Outcome;
  reason?: string;
  /** Part of the answer has arrived (streams). */
  started: boolean;
  /** Answered from the response cache (x-helix-cache exact|semantic): charged nothing. */
  fromCache?: boolean;
}

interface Shape {
  kind: string;
  key: keyof PhaseKeys;
  path: string;
  body: Record<string, unknown>;
  /** Anthropic clients send x-api-key; streams end with message_stop instead of [DONE]. */
  anthropic?: boolean;
}

const user = (content: string) => [{ role: 'user', content }];

/**
 * The mix, one of each per round: every endpoint, streams, budgets, repeated prompts (exact cache hits), slow streams.
 * Every third request is a budgeted one, so even a short stretch of traffic spends from the budgets.
 */
function shapeOf(n: number, id: string): Shape {
  const text = `chaos ${id} summarize this line`;
  const shapes: Shape[] = [
    { kind: 'chat', key: 'plain', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: user(text), max_tokens: 64 } },
    { kind: 'budget', key: 'big', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: user(text), max_tokens: 32 } },
    { kind: 'messages', key: 'other', path: '/v1/messages', body: { model: 'mock/echo', messages: user(text), max_tokens: 64 }, anthropic: true },
    { kind: 'cached', key: 'plain', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: user('What is the capital of France?'), max_tokens: 64 } },
    { kind: 'budget-stream', key: 'big', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: user(text), max_tokens: 32, stream: true } },
    { kind: 'completions', key: 'plain', path: '/v1/completions', body: { model: 'mock/echo', prompt: text, max_tokens: 64 } },
    { kind: 'slow-stream', key: 'other', path: '/v1/chat/completions', body: { model: 'chaos/slow', messages: user(text), max_tokens: 64, stream: true } },
    { kind: 'budget-tight', key: 'tight', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: user(text), max_tokens: 32 } },
    { kind: 'chat-stream', key: 'plain', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: user(text), max_tokens: 64, stream: true } },
    { kind: 'embeddings', key: 'other', path: '/v1/embeddings', body: { model: 'mock/echo', input: text } },
    { kind: 'cached-budget', key: 'big', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: user('Name the largest planet.'), max_tokens: 32 } },
    { kind: 'messages-stream', key: 'other', path: '/v1/messages', body: { model: 'mock/echo', messages: user(text), max_tokens: 64, stream: true }, anthropic: true },
  ];
  return shapes[n % shapes.length]!;
}

export const PROBE_SHAPE = (id: string): Shape => ({ kind: 'probe', key: 'plain', path: '/v1/chat/completions', body: { model: 'mock/echo', messages: user(`chaos probe ${id}`), max_tokens: 16 } });

/** What the error body says: OpenAI's error.code/type, Anthropic's error.type. */
function errorCode(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { code?: string | null; type?: string } };
    return body.error?.code ?? body.error?.type ?? 'unknown';
  } catch {
    return 'non-json';
  }
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; code?: string; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? 'error';
}

const MAX_BODY = 1 << 20;

export interface TrafficOptions {
  url: string;
  rps: number;
  /** Prefix of every request id (unique per run). */
  run: string;
  keys: (phase: number) => PhaseKeys;
  timeoutMs: number;
  maxInFlight: number;
}

export class Traffic {
  readonly calls: Call[] = [];
  private readonly inFlight = new Set<Call>();
  private phase = 0;
  private paused = true;
  private stopped = false;
  private seq = 0;
  private loop: Promise<void> | undefined;
  /** Ticks not sent because maxInFlight requests were waiting (the rate could not be held). */
  skipped = 0;
  /** Called the moment a call is answered ok (after its last byte arrived). */
  onAnswered: ((call: Call) => void) | undefined;

  constructor(private readonly opts: TrafficOptions) {}

  /** Request ids of a phase all start with this. */
  prefix(phase: number): string {
    return `${this.opts.run}-p${phase}-`;
  }

  start(): void {
    this.loop ??= this.tick();
  }

  setPhase(phase: number): void {
    this.phase = phase;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  async stop(drainMs: number): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.drain(drainMs);
  }

  /** Waits (bounded) until no request is in flight. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await sleep(50);
  }

  /** Slow streams in flight whose answer has started. */
  streamsMidway(): number {
    return [...this.inFlight].filter((c) => c.kind === 'slow-stream' && c.started).length;
  }

  /** One probe request of the phase (not part of the rate). */
  probe(phase: number, attempt: number): Promise<Call> {
    const id = `${this.prefix(phase)}probe${attempt}`;
    return this.send(phase, id, PROBE_SHAPE(id));
  }

  private async tick(): Promise<void> {
    const interval = 1000 / this.opts.rps;
    let next = performance.now();
    while (!this.stopped) {
      if (this.paused) {
        await sleep(20);
        next = performance.now();
        continue;
      }
      if (this.inFlight.size >= this.opts.maxInFlight) this.skipped++;
      else {
        const n = this.seq++;
        const id = `${this.prefix(this.phase)}${n}`;
        void this.send(this.phase, id, shapeOf(n, id));
      }
      next += interval;
      await sleep(Math.max(0, next - performance.now()));
    }
  }

  private async send(phase: number, id: string, shape: Shape): Promise<Call> {
    const key = this.opts.keys(phase)[shape.key];
    const call: Call = { id, phase, kind: shape.kind, keyId: key.keyId, budgeted: key.budget !== undefined, sentAt: Date.now(), started: false };
    this.calls.push(call);
    this.inFlight.add(call);
    const auth: Record<string, string> = shape.anthropic ? { 'x-api-key': key.key, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${key.key}` };
    try {
      const res = await fetch(`${this.opts.url}${shape.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id, ...auth },
        body: JSON.stringify(shape.body),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      call.fromCache = ['exact', 'semantic'].includes(res.headers.get('x-helix-cache') ?? '');
      if (!res.ok) {
        call.outcome = 'refused';
        call.reason = `${res.status} ${errorCode(await res.text())}`;
      } else if (shape.body.stream) {
        await this.readStream(call, res, shape.anthropic ? { end: 'event: message_stop', error: 'event: error' } : { end: 'data: [DONE]', error: 'data: {"error"' });
      } else {
        JSON.parse(await res.text());
        call.outcome = 'ok';
      }
    } catch (err) {
      call.outcome = 'failed';
      call.reason = call.started ? `stream cut (${networkReason(err)})` : networkReason(err);
    } finally {
      call.doneAt = Date.now();
      this.inFlight.delete(call);
    }
    if (call.outcome === 'ok') this.onAnswered?.(call);
    return call;
  }

  private async readStream(call: Call, res: Response, markers: { end: string; error: string }): Promise<void> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      call.started = true;
      if (text.length < MAX_BODY) text += decoder.decode(value, { stream: true });
    }
    // An error the gateway writes into a stream it has started is a refusal told late, not an answer.
    if (text.includes(markers.error)) {
      call.outcome = 'refused';
      call.reason = `200 error in stream: ${/"(?:code|type)":"([\w.-]+)"/.exec(text.slice(text.indexOf(markers.error)))?.[1] ?? 'unknown'}`;
    } else if (text.includes(markers.end)) call.outcome = 'ok';
    else {
      call.outcome = 'failed';
      call.reason = 'stream ended without its end marker';
    }
  }
}
