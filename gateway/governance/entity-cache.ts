// The gateway's short-lived copy of team, user, customer and tag records, so the request path reads Redis at most
// once per request and usually not at all: records (and their absence) are kept a few seconds, dropped at once when
// the store announces a change (core/governance/store.ts, pub/sub), bounded in number (least recently used go first).
// Concurrent requests that need the same record share one read. When the store cannot be read, copies up to
// `staleMs` old still serve (last known good); otherwise the read's error is thrown.
import type { EntityRecord, EntityReader, EntityRef } from '../../core/governance/entities.ts';

export interface EntityCacheOptions {
  /** How long a record (or its absence) is trusted without asking Redis. */
  ttlMs?: number;
  /** How long a copy may still serve while Redis cannot be read. */
  staleMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  value: EntityRecord | undefined;
  at: number;
}

const refKey = (ref: EntityRef) => `${ref.kind}:${ref.id}`;

export class EntityCache implements EntityReader {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<EntityRecord | undefined>>();
  /** Raised by every invalidation: a read that started before one does not store what it read. */
  private generation = 0;
  private readonly ttlMs: number;
  private readonly staleMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly reader: EntityReader,
    opts: EntityCacheOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 5_000;
    this.staleMs = Math.max(this.ttlMs, opts.staleMs ?? 60_000);
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The records of `refs`, in order: fresh copies, reads already under way, and one getMany for the rest. */
  async getMany(refs: EntityRef[]): Promise<Array<EntityRecord | undefined>> {
    const now = this.now();
    const out: Array<EntityRecord | undefined | Promise<EntityRecord | undefined>> = new Array(refs.length);
    const missing: EntityRef[] = [];
    const missingAt: number[] = [];
    let waiting = false;
    refs.forEach((ref, i) => {
      const key = refKey(ref);
      const entry = this.entries.get(key);
      if (entry && now - entry.at < this.ttlMs) out[i] = this.touch(key, entry).value;
      else if (this.inFlight.has(key)) {
        out[i] = this.inFlight.get(key);
        waiting = true;
      } else {
        missing.push(ref);
        missingAt.push(i);
      }
    });
    if (missing.length > 0) {
      const read = this.read(missing);
      missing.forEach((ref, j) => {
        const key = refKey(ref);
        const one = read.then((values) => values[j]);
        one.catch(() => undefined);
        this.inFlight.set(key, one);
        void one.then(
          () => this.inFlight.delete(key),
          () => this.inFlight.delete(key),
        );
        out[missingAt[j]!] = one;
      });
    }
    return missing.length > 0 || waiting ? Promise.all(out) : (out as Array<EntityRecord | undefined>);
  }

  /** Drops a record (`<kind>:<id>`, as the store announces changes). */
  invalidate(ref: EntityRef): void {
    this.generation++;
    this.entries.delete(refKey(ref));
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private async read(refs: EntityRef[]): Promise<Array<EntityRecord | undefined>> {
    const generation = this.generation;
    try {
      const values = await this.reader.getMany(refs);
      if (generation === this.generation) refs.forEach((ref, i) => this.store(refKey(ref), values[i]));
      return values;
    } catch (err) {
      const now = this.now();
      return refs.map((ref) => {
        const entry = this.entries.get(refKey(ref));
        if (entry && now - entry.at < this.staleMs) return entry.value;
        throw err;
      });
    }
  }

  private store(key: string, value: EntityRecord | undefined): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** A used entry moves to the back of the eviction order. */
  private touch(key: string, entry: Entry): Entry {
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }
}
