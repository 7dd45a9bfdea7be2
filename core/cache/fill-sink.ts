// Cache-builder sink: cache fills → semantic entries. Prompts are embedded in batches with the local MiniLM; each
// entry is saved as a redis-om document (id = the fill's event id, so a redelivered fill overwrites itself) with
// the rest of its TTL. Fills already expired — e.g. when replaying an old topic — are skipped.
import type { KafkaMessage } from 'kafkajs';
import type { Repository } from 'redis-om';
import type { Embedder } from '../../lib/embedder.ts';
import { validateCacheFill, type CacheFill } from '../../schemas/events/cache.ts';
import type { SemanticEntry } from './semantic-index.ts';
import { parseMessage } from '../../lib/consume/decode.ts';
import type { DecodedMessage, Sink } from '../../lib/consume/sink.ts';

export const EMBED_BATCH = 32;

export interface FillSinkDeps {
  /** Where entries are saved: one repository, or the one of the entry's namespace and model (index shards). */
  repository: Repository | ((namespace: string, model: string) => Repository);
  embedder: Pick<Embedder, 'embed'>;
  now?: () => number;
}

export function entryFromFill(fill: CacheFill, embedding: Float32Array): SemanticEntry {
  return {
    id: fill.event_id,
    namespace: fill.namespace,
    model: fill.model,
    params_hash: fill.params_hash,
    prompt: fill.prompt,
    created_ms: Date.parse(fill.ts),
    expires_ms: Date.parse(fill.expires_at),
    upstream_ms: fill.upstream_ms,
    prompt_tokens: fill.prompt_tokens,
    completion_tokens: fill.completion_tokens,
    response: fill.response,
    embedding: Array.from(embedding),
  };
}

export function fillSink(deps: FillSinkDeps): Sink<CacheFill> {
  const clock = deps.now ?? Date.now;
  return {
    decode(message: KafkaMessage) {
      const parsed = parseMessage(message);
      return parsed.ok ? validateCacheFill(parsed.value) : parsed;
    },

    async write(batch: Array<DecodedMessage<CacheFill>>) {
      const fills = new Map<string, CacheFill>();
      for (const { value } of batch) if (Date.parse(value.expires_at) > clock() + 1_000) fills.set(value.event_id, value);
      const live = [...fills.values()];
      for (let i = 0; i < live.length; i += EMBED_BATCH) {
        const slice = live.slice(i, i + EMBED_BATCH);
        const vectors = await deps.embedder.embed(slice.map((f) => f.prompt));
        await Promise.all(
          slice.map(async (fill, j) => {
            const entry = entryFromFill(fill, vectors[j]!);
            const repository = typeof deps.repository === 'function' ? deps.repository(entry.namespace, entry.model) : deps.repository;
            await repository.save(entry.id, { ...entry });
            await repository.expire(entry.id, Math.max(1, Math.ceil((entry.expires_ms - clock()) / 1000)));
          }),
        );
      }
    },
  };
}
