// Semantic lookup on an exact miss: encode the prompt off the event loop, KNN over the entries of the same
// namespace, model and parameters, then serve the nearest candidate at or above the threshold that the verifier
// accepts as the same request. The verifier aligns the two prompts' contextual word vectors: the candidates' prompts
// are encoded in one batch at lookup (most are remembered from earlier lookups).
import type { EmbeddingPool } from '../../lib/embedding-pool.ts';
import type { EncodedText } from '../../lib/embedder.ts';
import { RecentEncodings } from './recent-encodings.ts';
import type { StoredAnswer } from './exact.ts';
import type { RedisGuard } from './redis-guard.ts';
import { entryKeyPrefix, parseSearchReply, semanticShards, shardFor, tagFilter, vectorBlob, type SemanticShard } from '../../core/cache/semantic-index.ts';
import { callOnKeyNode, isCluster } from '../../lib/redis.ts';
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

const RECENT_VERDICTS = 4096;

export class SemanticCache {
  /** Encodings of recent queries and cached prompts (recent-encodings.ts). */
  private readonly recent = new RecentEncodings();
  /** Verdicts on recent (cached prompt, query) pairs: they depend on the two texts only, and a paraphrase recurs. */
  private readonly verdicts = new Map<string, boolean>();

  /** The index (on a Redis Cluster: its shards, each searched on its own node; see semantic-index.ts). */
  private readonly shards: SemanticShard[];

  constructor(private readonly opts: SemanticCacheOptions) {
    this.shards = semanticShards(opts.index, opts.prefix, isCluster(opts.guard.redis));
  }

  private encode(prompt: string): Promise<EncodedText> {
    return this.recent.get(prompt, (text) => this.opts.embeddings.encode(text, this.opts.embedTimeoutMs));
  }

  /** Encodings of the candidates' prompts: remembered ones, the rest in one batch; none if that fails (then the verifier compares spelling only, which is stricter). */
  private async encodeCandidates(prompts: string[]): Promise<Array<EncodedText | undefined>> {
    const known = this.recent.peek(prompts);
    const missing = [...new Set(prompts.filter((_, i) => !known[i]))];
    if (missing.length > 0) {
      const batch = this.opts.embeddings.encodeBatch(missing, this.opts.embedTimeoutMs);
      missing.forEach((text, i) => this.recent.remember(text, batch.then((all) => all[i]!)));
    }
    return Promise.all(prompts.map((p) => this.recent.peek([p])[0]?.catch(() => undefined)));
  }

  private sameRequest(cached: string, cachedEncoding: EncodedText | undefined, query: string, queryEncoding: EncodedText): boolean {
    const key = `${cached}\u0000${query}`;
    const known = this.verdicts.get(key);
    if (known !== undefined && cachedEncoding) return known;
    const same = verifySameRequest({ text: cached, encoded: cachedEncoding }, { text: query, encoded: queryEncoding }, this.opts.verifyOptions).same;
    if (!cachedEncoding) return same; // spelling only: not the verdict to remember
    this.verdicts.set(key, same);
    if (this.verdicts.size > RECENT_VERDICTS) this.verdicts.delete(this.verdicts.keys().next().value!);
    return same;
  }

  async lookup(q: SemanticQuery): Promise<SemanticHit | undefined> {
    const { guard, candidates } = this.opts;
    const { index, prefix } = shardFor(this.shards, q.namespace, q.model);
    if (!guard.available()) return undefined;
    const encoded = await this.encode(q.prompt);
    const vector = encoded.vector;
    const query = `(${tagFilter(q)})=>[KNN ${candidates} @vector $vec AS dist]`;
    const reply = await guard.run('semantic search', (r) =>
      callOnKeyNode(r, index, 'FT.SEARCH', index, query, 'PARAMS', '2', 'vec', vectorBlob(vector), 'SORTBY', 'dist', 'ASC', 'RETURN', '3', 'dist', '$.prompt', '$.upstream_ms', 'LIMIT', '0', String(candidates), 'DIALECT', '2'),
    );
    const docs = parseSearchReply(reply).docs;
    const cut = docs.findIndex((d) => !(1 - Number(d.fields.dist) >= q.threshold)); // sorted: the rest are further away
    const near = cut < 0 ? docs : docs.slice(0, cut);
    const cachedPrompts = near.map((d) => d.fields['$.prompt'] ?? '');
    const cachedEncodings = this.opts.verify && near.length > 0 ? await this.encodeCandidates(cachedPrompts) : [];
    for (const [i, { key, fields }] of near.entries()) {
      const similarity = 1 - Number(fields.dist);
      if (this.opts.verify && !this.sameRequest(cachedPrompts[i]!, cachedEncodings[i], q.prompt, encoded)) continue;
      const response = await guard.run('semantic get', (r) => callOnKeyNode(r, key, 'JSON.GET', key, '$.response'));
      const completion = response ? (JSON.parse(String(response)) as ChatCompletion[])[0] : undefined;
      if (!completion) continue; // expired between search and get
      return { id: key.slice(entryKeyPrefix(prefix).length), completion, upstream_ms: Number(fields['$.upstream_ms'] ?? 0), created_ms: 0, similarity };
    }
    return undefined;
  }
}
