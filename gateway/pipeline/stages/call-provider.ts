// The provider call through the router (deployment choice, retries, fallbacks). A stream is retried until its first
// chunk arrives; after that it is the client's.
import { clientClosed } from '../conclude.ts';
import { now } from '../trace.ts';
import type { Stage } from './stage.ts';

export const callProvider: Stage = {
  name: 'call provider',
  async run(deps, f) {
    if (f.outcome) return;
    const { op, trace, caller } = f;
    const body = f.body;
    if (caller.signal.aborted) throw clientClosed(); // gone before anything was sent: nothing to bill
    f.upstreamCalled = true;
    const started = (f.upstreamStarted = now());
    if (!trace.stream || !op.callStream) {
      const value = await deps.router.call(trace, op.model(body), (adapter, call) => op.call(adapter, op.withModel(body, call.deployment.upstreamModel), call), caller.signal);
      trace.upstreamMs = trace.upstreamTtfbMs = now() - started;
      f.outcome = { kind: 'completion', value };
      return;
    }
    const callStream = op.callStream;
    const { iterator, first } = await deps.router.call(
      trace,
      op.model(body),
      async (adapter, call) => {
        const it = callStream(adapter, op.withModel(body, call.deployment.upstreamModel), call)[Symbol.asyncIterator]();
        return { iterator: it, first: await it.next() };
      },
      caller.signal,
    );
    trace.upstreamTtfbMs = now() - started;
    f.outcome = { kind: 'stream', chunks: resume(iterator, first) };
  },
};

/** The upstream stream from its first chunk on; stopping early (the client left) stops the upstream call too. */
async function* resume<Chunk>(iterator: AsyncIterator<Chunk>, first: IteratorResult<Chunk>): AsyncGenerator<Chunk, void, undefined> {
  let done = false;
  try {
    for (let next = first; !next.done; next = await iterator.next()) yield next.value;
    done = true;
  } finally {
    if (!done) await iterator.return?.().catch(() => undefined);
  }
}
