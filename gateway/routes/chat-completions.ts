// POST /v1/chat/completions — OpenAI's wire format around the shared chat pipeline.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ChatCompletionBody } from '../../schemas/api/openai.ts';
import type { GatewayDeps } from '../app.ts';
import { openAiErrorBody } from '../errors.ts';
import { toUpstreamGatewayError } from '../routing/router.ts';
import { abortOnClientGone } from '../pipeline/abort.ts';
import { runChat } from '../pipeline/chat.ts';
import { startSse, writeSseData, endSse } from '../pipeline/sse.ts';
import type { ChatRequest } from '../providers/types.ts';

export function chatCompletionsRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/chat/completions', { schema: { body: ChatCompletionBody } }, async (request, reply) => {
    const ctx = request.helix;
    const body = request.body as ChatRequest;
    const signal = abortOnClientGone(reply);
    const outcome = await runChat(deps, ctx, body, signal, { headers: request.headers, res: reply.raw, keyMetadata: request.principal?.metadata, principal: request.principal ?? undefined });
    if (outcome.kind === 'completion') return reply.header('x-request-id', ctx.requestId).send(outcome.completion);

    const wantsUsage = body.stream_options?.include_usage === true;
    reply.hijack();
    const res = reply.raw;
    startSse(res, { 'x-request-id': ctx.requestId, ...headersOf(reply) });
    try {
      for await (const chunk of outcome.chunks) {
        if (chunk.usage && !wantsUsage) {
          if (chunk.choices.length === 0) continue; // usage-only chunk the client did not ask for
          writeSseData(res, { ...chunk, usage: undefined });
        } else writeSseData(res, chunk);
      }
      endSse(res, !signal.aborted);
    } catch (err) {
      if (!res.writableEnded) {
        writeSseData(res, openAiErrorBody(toUpstreamGatewayError(err)));
        endSse(res, false);
      }
    }
  });
}

/** Headers set on the reply before it was hijacked (rate-limit headers, …) go out with the SSE head. */
export function headersOf(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) out[k] = String(v);
  return out;
}
