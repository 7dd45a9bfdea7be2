// Exact, then semantic cache lookup on the body the provider would see (after PII handling: no raw PII is cached).
// A hit is the outcome: the provider is not called and nothing is charged.
import type { ChatCache } from '../../cache/chat-cache.ts';
import { withoutCacheField } from '../../cache/directives.ts';
import { replayChunks } from '../../cache/replay.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../../core/llm.ts';
import type { Flight } from '../flight.ts';
import { asChat } from '../operations/chat.ts';
import type { Stage } from './stage.ts';

export const lookupCache: Stage = {
  name: 'look up cache',
  optional: 'cache',
  run(deps, f) {
    const cache = deps.cache;
    const chat = asChat(f);
    if (cache?.settings.enabled) return lookUp(cache, chat);
    chat.body = withoutCacheField(chat.body); // LiteLLM's per-request `cache` field never goes upstream
    return undefined;
  },
};

async function lookUp(cache: ChatCache, f: Flight<ChatRequest, ChatCompletion, ChatCompletionChunk>): Promise<void> {
  const lookup = await cache.begin({ headers: f.caller.headers, body: f.body, trace: f.trace, keyMetadata: f.caller.principal?.metadata, res: f.caller.res });
  f.cache = lookup;
  f.body = lookup.body;
  if (!lookup.hit) return;
  const completion = cache.answer(lookup, f.caller.res, f.trace);
  f.fromCache = true;
  f.outcome = f.trace.stream ? { kind: 'stream', chunks: replay(replayChunks(completion, { id: completion.id, created: completion.created, includeUsage: true })) } : { kind: 'completion', value: completion };
}

async function* replay(chunks: ChatCompletionChunk[]): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  yield* chunks;
}
