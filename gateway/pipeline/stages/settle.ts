// The last stage: the answer's usage and finish reason go into the response event, and the budget hold is settled
// to the actual cost. A stream ends its request when it ends — completed, failed, or left by the client (then it
// is charged the prompt and the output streamed so far).
import { toUpstreamGatewayError } from '../../routing/router.ts';
import { abortedUsage, clientClosed, finishFlight } from '../conclude.ts';
import { now } from '../trace.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Flight } from '../flight.ts';
import type { Stage } from './stage.ts';

/** Streamed text kept for charging an abort; past it the rest is counted by length (about 4 characters a token). */
const STREAMED_TEXT_MAX = 256 * 1024;

export const settle: Stage = {
  name: 'settle',
  run(deps, f) {
    const outcome = f.outcome;
    if (!outcome) return;
    if (outcome.kind === 'stream') {
      f.outcome = { kind: 'stream', chunks: settling(deps, f, outcome.chunks) };
      return;
    }
    f.trace.usage = f.fromCache ? undefined : f.op.usage(outcome.value);
    f.trace.finishReason = f.op.finishReason(outcome.value);
    finishFlight(deps.events, f);
  },
};

async function* settling<Req, Res, Chunk>(deps: PipelineDeps, f: Flight<Req, Res, Chunk>, chunks: AsyncGenerator<Chunk, void, undefined>): AsyncGenerator<Chunk, void, undefined> {
  const { trace, op } = f;
  let streamed = '';
  let overflow = 0;
  let ended = false;
  try {
    for await (const chunk of chunks) {
      const usage = op.usage(chunk);
      if (usage) trace.usage = usage;
      const finish = op.finishReason(chunk);
      if (finish) trace.finishReason = finish;
      if (!f.fromCache) {
        const text = op.chunkText(chunk);
        if (streamed.length + text.length <= STREAMED_TEXT_MAX) streamed += text;
        else overflow += text.length;
      }
      yield chunk;
    }
    ended = true;
    trace.upstreamMs = f.fromCache ? 0 : now() - f.upstreamStarted;
    if (f.fromCache) trace.usage = undefined;
    finishFlight(deps.events, f);
  } catch (err) {
    ended = true;
    trace.upstreamMs = now() - f.upstreamStarted;
    if (!f.fromCache) trace.usage ??= abortedUsage(f, streamed, overflow);
    finishFlight(deps.events, f, f.caller.signal.aborted ? clientClosed() : toUpstreamGatewayError(err));
    throw err;
  } finally {
    if (!ended) {
      // The client stopped reading (it left, or its connection failed): the provider still bills what it generated.
      trace.upstreamMs = now() - f.upstreamStarted;
      if (!f.fromCache) trace.usage ??= abortedUsage(f, streamed, overflow);
      finishFlight(deps.events, f, clientClosed());
    }
  }
}
