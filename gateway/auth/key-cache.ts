// The gateway's in-memory view of virtual keys: fresh entries skip Redis entirely; entries older than the TTL are
// re-read, but kept (last-known-good) for `staleMs` so verified keys keep working while Redis is unreachable.
// Bounded (LRU) so a flood of distinct keys cannot grow memory. Unknown keys are remembered briefly (negative cache).

export interface KeyCacheOptions {
  ttlMs: number;
  staleMs: number;
  maxEntries: number;
  negativeTtlMs: number;
  now?: () => number;
}

export interface CacheHit<V> {
  value: V;
  ageMs: number;
  fresh: boolean;
}

export class KeyCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  private readonly negative = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly opts: KeyCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The cached value if it is within the stale horizon (fresh = within the TTL). */
  get(id: string): CacheHit<V> | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const ageMs = this.now() - entry.at;
    if (ageMs > Math.max(this.opts.staleMs, this.opts.ttlMs)) {
      this.entries.delete(id);
      return undefined;
    }
    // LRU: a used entry moves to the back of the eviction order.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return { value: entry.value, ageMs, fresh: ageMs < this.opts.ttlMs };
  }

  set(id: string, value: V): void {
    this.negative.delete(id);
    this.entries.delete(id);
    this.entries.set(id, { value, at: this.now() });
    evict(this.entries, this.opts.maxEntries);
  }

  /** Remembers that `id` does not exist (and forgets any positive entry). */
  setMissing(id: string): void {
    this.entries.delete(id);
    if (this.opts.negativeTtlMs <= 0) return;
    this.negative.delete(id);
    this.negative.set(id, this.now() + this.opts.negativeTtlMs);
    evict(this.negative, this.opts.maxEntries);
  }

  isKnownMissing(id: string): boolean {
    const until = this.negative.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.negative.delete(id);
    return false;
  }

  delete(id: string): void {
    this.entries.delete(id);
    this.negative.delete(id);
  }

  clear(): void {
    this.entries.clear();
    this.negative.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

function evict(map: Map<string, unknown>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
