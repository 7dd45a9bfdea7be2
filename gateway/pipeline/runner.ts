// Runs one request through the stages (stages/order.ts). A failure anywhere ends the request here — its error event,
// its budget hold released (or, for a call the client abandoned, settled to what the provider bills) — and is
// rethrown as a GatewayError for the route's error renderer.
import { logger } from '../../lib/logger.ts';
import { oneWrite } from '../budgets/ahead.ts';
import { GatewayError, toGatewayError } from '../errors.ts';
import { UpstreamError } from '../providers/types.ts';
import { toUpstreamGatewayError } from '../routing/router.ts';
import { abortedUsage, clientClosed, finishFlight } from './conclude.ts';
import type { PipelineDeps } from './deps.ts';
import type { Flight, Outcome } from './flight.ts';
import { STAGES } from './stages/order.ts';

export async function runPipeline<Req, Res, Chunk>(deps: PipelineDeps, f: Flight<Req, Res, Chunk>): Promise<Outcome<Res, Chunk>> {
  // Redis commands that consecutive stages issue without waiting in between (the budget hold and the cache lookup)
  // leave in one write: Redis reads and answers them together, one round trip for both.
  const writes = oneWrite(deps.redis);
  try {
    writes.hold();
    for (const stage of STAGES) {
      if (stage.optional && f.op.skips.has(stage.optional)) continue;
      const pending = stage.run(deps, f);
      if (pending) {
        writes.send();
        await pending;
        writes.hold();
      }
    }
  } catch (err) {
    throw fail(deps, f, err);
  } finally {
    writes.send();
  }
  if (!f.outcome) throw fail(deps, f, new Error('the pipeline ended without an outcome'));
  return f.outcome;
}

function fail<Req, Res, Chunk>(deps: PipelineDeps, f: Flight<Req, Res, Chunk>, err: unknown): GatewayError {
  let error: GatewayError;
  if (f.caller.signal.aborted) {
    error = clientClosed();
    if (f.upstreamCalled) f.trace.usage ??= abortedUsage(f);
  } else if (err instanceof GatewayError || err instanceof UpstreamError) error = toUpstreamGatewayError(err);
  else {
    error = toGatewayError(err);
    if (error.code === 'internal_error') logger.error({ err, requestId: f.trace.requestId }, 'request pipeline failed');
  }
  finishFlight(deps.events, f, error);
  return error;
}
