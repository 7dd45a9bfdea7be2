// The exact cache: one Redis string per canonical request, `<prefix>exact:<namespace>:<model>:<sha256>` (namespace
// and model base64url-encoded so admin commands can match them with SCAN patterns), with the entry's TTL.
import type { ChatCompletion } from '../../core/llm.ts';
import type { RedisGuard } from './redis-guard.ts';
import { exactKeyPattern } from '../../core/cache/keys.ts';

export interface StoredAnswer {
  /** The request hash (exact) or document id (semantic). */
  id: string;
  completion: ChatCompletion;
  /** How long the upstream call took: a hit saves roughly this. */
  upstream_ms: number;
  created_ms: number;
}

export class ExactCache {
  constructor(
    private readonly guard: RedisGuard,
    private readonly prefix: string,
  ) {}

  key(namespace: string, model: string, hash: string): string {
    return exactKeyPattern(this.prefix, { namespace, model, hash });
  }

  async get(namespace: string, model: string, hash: string): Promise<StoredAnswer | undefined> {
    const raw = await this.guard.run('exact get', (r) => r.get(this.key(namespace, model, hash)));
    return raw ? (JSON.parse(raw) as StoredAnswer) : undefined;
  }

  async set(namespace: string, model: string, hash: string, answer: StoredAnswer, ttlSeconds: number): Promise<void> {
    await this.guard.run('exact set', (r) => r.set(this.key(namespace, model, hash), JSON.stringify(answer), 'EX', ttlSeconds));
  }
}
