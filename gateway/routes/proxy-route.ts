// One handler for every /v1 proxy endpoint: the route's wire format in, the pipeline, the wire format out (JSON, or
// SSE written chunk by chunk with back-pressure). Routes declare a Wire and nothing else.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { GatewayError } from '../errors.ts';
import type { PipelineDeps } from '../pipeline/deps.ts';
import { newFlight, type Flight } from '../pipeline/flight.ts';
import type { Operation } from '../pipeline/operation.ts';
import { runPipeline } from '../pipeline/runner.ts';
import { abortOnClientGone } from '../pipeline/abort.ts';
import { startSse } from '../pipeline/sse.ts';
import { toUpstreamGatewayError } from '../routing/router.ts';

export type ErrorShape = 'openai' | 'anthropic';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How this route renders errors (default: OpenAI's). */
    errorShape?: ErrorShape;
  }
}

/** Writes one stream's SSE frames in the route's wire format. */
export interface SseWriter<Chunk> {
  /** The frames for one chunk ('' for none). */
  frames(chunk: Chunk): string;
  /** The closing frames; `completed` is false when the stream stopped early. */
  end(completed: boolean): string;
  /** The frame for a failure after the stream started. */
  error(err: GatewayError): string;
}

export interface Wire<WireReq, Req, Res, Chunk> {
  operation: Operation<Req, Res, Chunk>;
  schema: FastifySchema['body'];
  errorShape?: ErrorShape;
  toCanonical(body: WireReq): Req;
  toResponse(value: Res, body: WireReq): unknown;
  stream?(body: WireReq, f: Flight<Req, Res, Chunk>): SseWriter<Chunk>;
}

export type ProxyHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export function proxyRoute<WireReq, Req, Res, Chunk>(app: FastifyInstance, path: string, deps: PipelineDeps, wire: Wire<WireReq, Req, Res, Chunk>): void {
  app.post(path, { schema: { body: wire.schema }, config: { errorShape: wire.errorShape ?? 'openai' } }, proxyHandler(path, deps, wire));
}

/** The handler of one wire, for a route that picks between wires per request (`/v1/messages`). */
export function proxyHandler<WireReq, Req, Res, Chunk>(path: string, deps: PipelineDeps, wire: Wire<WireReq, Req, Res, Chunk>): ProxyHandler {
  return async (request, reply) => {
    const trace = request.trace;
    const body = request.body as WireReq;
    const signal = abortOnClientGone(reply);
    const f = newFlight(wire.operation, trace, { headers: request.headers, res: reply.raw, principal: request.principal ?? undefined, signal }, wire.toCanonical(body));
    const outcome = await runPipeline(deps, f);
    if (outcome.kind === 'completion') {
      await billed(deps);
      return reply.header('x-request-id', trace.requestId).send(wire.toResponse(outcome.value, body));
    }
    if (!wire.stream) throw new Error(`${path} produced a stream it cannot write`);
    const writer = wire.stream(body, f);
    reply.hijack();
    const res = reply.raw;
    startSse(res, { 'x-request-id': trace.requestId, ...headersOf(reply) });
    try {
      for await (const chunk of outcome.chunks) {
        const frames = writer.frames(chunk);
        if (frames && !res.write(frames)) await drained(res);
        if (signal.aborted) break;
      }
      await billed(deps);
      res.end(writer.end(!signal.aborted));
    } catch (err) {
      await billed(deps);
      if (!res.writableEnded) endWithError(res, () => writer.error(toUpstreamGatewayError(err)));
    }
  };
}

/**
 * An answer is complete only once its billing events are durable: a gateway killed right after answering must not
 * lose what the answer cost. Usually a few ms (the write-ahead log's group commit), never a Kafka round trip.
 */
async function billed(deps: PipelineDeps): Promise<void> {
  await deps.events.committed?.();
}

/** The stream's error frame and its end; a frame that cannot be written still ends the response (no hung client). */
function endWithError(res: ServerResponse, frame: () => string): void {
  try {
    res.end(frame());
  } catch {
    res.destroy();
  }
}

/** A slow reader holds the stream back rather than have the gateway buffer the answer for it. */
async function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return;
  await Promise.race([once(res, 'drain'), once(res, 'close')]);
}

/** Headers set on the reply before it was hijacked (rate-limit headers, …) go out with the SSE head. */
function headersOf(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) out[k] = String(v);
  return out;
}
