// Answering from the cache: the stored completion under a fresh id and timestamp, its x-helix-cache headers set on
// the response (merged into whatever head the route writes: JSON, OpenAI SSE or Anthropic SSE), the hit on the trace.
// A streaming client gets the completion replayed as chunks (replay.ts) by the pipeline.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestTrace } from '../pipeline/trace.ts';
import type { ChatCompletion } from '../../core/llm.ts';
import type { CacheHit } from './lookup.ts';

export function serveHit(hit: CacheHit, res: ServerResponse, trace: RequestTrace): ChatCompletion {
  const completion: ChatCompletion = { ...hit.answer.completion, id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000) };
  res.setHeader('x-helix-cache', hit.kind);
  if (hit.kind === 'semantic') {
    res.setHeader('x-helix-cache-similarity', hit.similarity.toFixed(4));
    res.setHeader('x-helix-cache-entry', hit.answer.id);
  }
  trace.cache = hit.kind;
  trace.usage = undefined; // no upstream tokens were used
  trace.finishReason = completion.choices[0]?.finish_reason ?? '';
  return completion;
}
