// The shape of a stage: one job, run in the order of stages/order.ts.
import type { PipelineDeps } from '../deps.ts';
import type { Flight, Outcome } from '../flight.ts';
import type { OptionalStage } from '../operation.ts';

export interface Stage {
  readonly name: string;
  /** Set when an operation may leave this stage out (Operation.skips). */
  readonly optional?: OptionalStage;
  /** Synchronous stages return nothing: the runner then goes on without yielding. */
  run<Req, Res, Chunk>(deps: PipelineDeps, f: Flight<Req, Res, Chunk>): void | Promise<void>;
}

/**
 * Applies a step to the outcome: once to a completion, or to every chunk of a stream as it passes (then `end` once
 * the stream completed). Steps may rewrite in place; later stages see what earlier ones left.
 */
export function eachOutput<Res, Chunk>(f: { outcome?: Outcome<Res, Chunk> | undefined }, onValue: (value: Res) => void, onChunk: (chunk: Chunk) => void, end?: () => void): void {
  const outcome = f.outcome;
  if (!outcome) return;
  if (outcome.kind === 'completion') {
    onValue(outcome.value);
    end?.();
  } else f.outcome = { kind: 'stream', chunks: tap(outcome.chunks, onChunk, end) };
}

async function* tap<Chunk>(chunks: AsyncGenerator<Chunk, void, undefined>, onChunk: (chunk: Chunk) => void, end: (() => void) | undefined): AsyncGenerator<Chunk, void, undefined> {
  for await (const chunk of chunks) {
    onChunk(chunk);
    yield chunk;
  }
  end?.();
}
