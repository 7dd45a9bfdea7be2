// Mask-and-restore: the values the PII stage replaced with placeholders are put back into what the client receives,
// streamed deltas included (a placeholder split across chunks is held back until it is whole).
import { chunkRewriter } from '../operation.ts';
import { eachOutput, type Stage } from './stage.ts';

export const restorePii: Stage = {
  name: 'restore PII',
  run(_deps, f) {
    const restorer = f.restorer;
    if (!restorer) return;
    const { op } = f;
    const rewriter = f.outcome?.kind === 'stream' ? chunkRewriter((json) => restorer.stream({ json })) : undefined;
    eachOutput(
      f,
      (value) => op.rewriteOutput(value, (text, json) => (json ? restorer.restoreJsonString(text) : restorer.restoreText(text))),
      (chunk) => op.rewriteChunk(chunk, rewriter!),
    );
  },
};
