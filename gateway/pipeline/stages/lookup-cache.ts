// Exact, then semantic cache lookup on the body the provider would see (after PII handling: no raw PII is cached).
// A hit is the outcome: the provider is not called and nothing is charged.
import { replayChunks } from '../../cache/replay.ts';
import type { ChatCompletionChunk } from '../../providers/types.ts';
import { asChat } from '../operations/chat.ts';
import type { Stage } from './stage.ts';

export const lookupCache: Stage = {
  name: 'look up cache',
  optional: 'cache',
  async run(deps, f) {
    const cache = deps.cache;
    if (!cache) return;
    const chat = asChat(f);
    const lookup = await cache.begin({ headers: f.caller.headers, body: chat.body, ctx: f.ctx, keyMetadata: f.caller.principal?.metadata, res: f.caller.res });
    chat.cache = lookup;
    chat.body = lookup.body;
    if (!lookup.hit) return;
    const completion = cache.answer(lookup, f.caller.res, f.ctx);
    chat.fromCache = true;
    chat.outcome = f.ctx.stream ? { kind: 'stream', chunks: replay(replayChunks(completion, { id: completion.id, created: completion.created, includeUsage: true })) } : { kind: 'completion', value: completion };
  },
};

async function* replay(chunks: ChatCompletionChunk[]): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  yield* chunks;
}

