// A fresh answer goes into the cache as the provider gave it (after output scanning, before restore: the cache
// never holds a value the client's PII policy replaced). Never delays the answer.
import { asChat } from '../operations/chat.ts';
import { eachOutput, type Stage } from './stage.ts';

export const storeCache: Stage = {
  name: 'store in cache',
  optional: 'cache',
  run(deps, f) {
    const cache = deps.cache;
    const lookup = f.cache;
    if (!cache || !lookup?.plan?.store || f.fromCache) return;
    const chat = asChat(f);
    const collector = chat.outcome?.kind === 'stream' ? cache.collector(lookup) : undefined;
    eachOutput(
      chat,
      // A clone: restore rewrites the answer in place afterwards. Streams are stored once they completed.
      (completion) => cache.store(lookup, structuredClone(completion), f.trace),
      (chunk) => collector?.add(chunk),
      () => collector?.finish(f.trace),
    );
  },
};
