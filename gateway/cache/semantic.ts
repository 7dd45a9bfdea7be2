// Semantic lookup on an exact miss: embed the prompt off the event loop, KNN over the entries of the same
// namespace, model and parameters, then serve the nearest candidate at or above the threshold that the verifier
// accepts as the same request.
import type { EmbeddingPool } from '../../lib/embedding-pool.ts';
import type { StoredAnswer } from './exact.ts';
import type { RedisGuard } from './redis-guard.ts';
import { entryKeyPrefix, parseSearchReply, tagFilter, vectorBlob } from '../../core/cache/semantic-index.ts';
import { verifySameRequest, type VerifyOptions } from './verify.ts';
import type { ChatCompletion } from '../../core/llm.ts';

export interface SemanticQuery {
  namespace: string;
  model: string;
  paramsHash: string;
  prompt: string;
  threshold: number;
}

export interface SemanticHit extends StoredAnswer {
  similarity: number;
}

export interface SemanticCacheOptions {
  guard: RedisGuard;
  embeddings: EmbeddingPool;
  index: string;
  prefix: string;
  candidates: number;
  embedTimeoutMs: number;
  /** Off only for evaluation: raw similarity decides. */
  verify: boolean;
  verifyOptions?: VerifyOptions;
}

const RECENT_VECTORS = 1024;

export class SemanticCache {
  /**
   * Query vectors of recent prompts, least recently used first. The same last message recurs (a paraphrase that
   * keeps hitting, "continue" in many conversations, other parameters): it skips the model, and concurrent
   * lookups of one prompt share one embedding. Vectors depend on the text only, so they never go stale.
   */
  private readonly vectors = new Map<string, Promise<Float32Array>>();

  constructor(private readonly opts: SemanticCacheOptions) {}

  private embed(prompt: string): Promise<Float32Array> {
    const known = this.vectors.get(prompt);
    this.vectors.delete(prompt);
    const vector = known ?? this.opts.embeddings.embed(prompt, this.opts.embedTimeoutMs);
    this.vectors.set(prompt, vector);
    if (!known) {
      vector.catch(() => this.vectors.get(prompt) === vector && this.vectors.delete(prompt)); // retry failures next time
      if (this.vectors.size > RECENT_VECTORS) this.vectors.delete(this.vectors.keys().next().value!);
    }
    return vector;
  }

  async lookup(q: SemanticQuery): Promise<SemanticHit | undefined> {
    const { guard, index, candidates } = this.opts;
    if (!guard.available()) return undefined;
    const vector = await this.embed(q.prompt);
    const query = `(${tagFilter(q)})=>[KNN ${candidates} @vector $vec AS dist]`;
    const reply = await guard.run('semantic search', (r) =>
      r.call('FT.SEARCH', index, query, 'PARAMS', '2', 'vec', vectorBlob(vector), 'SORTBY', 'dist', 'ASC', 'RETURN', '3', 'dist', '$.prompt', '$.upstream_ms', 'LIMIT', '0', String(candidates), 'DIALECT', '2'),
    );
    for (const { key, fields } of parseSearchReply(reply).docs) {
      const similarity = 1 - Number(fields.dist);
      if (!(similarity >= q.threshold)) break; // sorted: the rest are further away
      if (this.opts.verify && !verifySameRequest(fields['$.prompt'] ?? '', q.prompt, this.opts.verifyOptions).same) continue;
      const response = await guard.run('semantic get', (r) => r.call('JSON.GET', key, '$.response'));
      const completion = response ? (JSON.parse(String(response)) as ChatCompletion[])[0] : undefined;
      if (!completion) continue; // expired between search and get
      return { id: key.slice(entryKeyPrefix(this.opts.prefix).length), completion, upstream_ms: Number(fields['$.upstream_ms'] ?? 0), created_ms: 0, similarity };
    }
    return undefined;
  }
}
