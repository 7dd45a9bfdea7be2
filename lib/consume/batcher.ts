// Cross-partition batching for the consume loop: every partition's handler adds its decoded messages here. One
// write covers all partitions (and topics) that delivered within the linger, so
// ClickHouse gets few large inserts instead of one small insert per partition — its preferred shape.
//
// Each add() resolves when the write holding those items succeeded; the consume loop commits a partition's offsets
// only then — a crash redelivers, never skips. While one write runs, new messages accumulate for the next one.

export interface BatcherOptions<T> {
  /** Write as soon as this many items are waiting… */
  maxItems: number;
  /** …or when the oldest waiting item is this old. */
  lingerMs: number;
  /** Writes one batch. Retries are its business: a rejection fails every waiter of that batch. */
  write(items: T[]): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class Batcher<T> {
  /** Waiting items, in the groups add() received them (a group is never split across writes). */
  private groups: Array<{ items: T[]; waiter: Waiter }> = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private due = false;
  /** The pump loop while it runs (flush waits for it). */
  private running: Promise<void> | undefined;

  constructor(private readonly opts: BatcherOptions<T>) {}

  /** Resolves once the items are written (possibly together with others); rejects if that write failed. */
  add(items: T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const written = new Promise<void>((resolve, reject) => this.groups.push({ items, waiter: { resolve, reject } }));
    this.count += items.length;
    if (this.count >= this.opts.maxItems) this.markDue();
    else this.timer ??= setTimeout(() => this.markDue(), this.opts.lingerMs);
    return written;
  }

  /** Items waiting for a write (not counting the one in progress). */
  get pending(): number {
    return this.count;
  }

  /** Writes what is buffered now; resolves when nothing is buffered or being written (written or failed). */
  async flush(): Promise<void> {
    while (this.count > 0 || this.running) {
      if (this.count > 0) this.markDue();
      await this.running;
    }
  }

  /** The next write: whole groups up to maxItems (at least one group). */
  private take(): { items: T[]; waiters: Waiter[] } {
    const items: T[] = [];
    const waiters: Waiter[] = [];
    while (this.groups.length > 0 && (items.length === 0 || items.length + this.groups[0]!.items.length <= this.opts.maxItems)) {
      const g = this.groups.shift()!;
      for (const item of g.items) items.push(item);
      waiters.push(g.waiter);
    }
    this.count -= items.length;
    return { items, waiters };
  }

  private markDue(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = true;
    // pump() reaches its first await (the write) before returning, so `running` is set while it runs and cleared
    // in the same step as its last check for more work: a markDue() in between cannot be lost.
    if (this.count > 0) this.running ??= this.pump();
  }

  /** One write at a time; what arrives meanwhile goes into the next write. */
  private async pump(): Promise<void> {
    try {
      while (this.due && this.count > 0) {
        const { items, waiters } = this.take();
        // More than one write's worth was waiting: the rest goes right after this one.
        this.due = this.count >= this.opts.maxItems;
        try {
          await this.opts.write(items);
          for (const w of waiters) w.resolve();
        } catch (err) {
          for (const w of waiters) w.reject(err);
        }
        // Items that arrived during the write start their own linger now, unless they already filled a batch.
        if (this.count >= this.opts.maxItems) this.due = true;
        else if (this.count > 0 && !this.due) this.timer ??= setTimeout(() => this.markDue(), this.opts.lingerMs);
      }
    } finally {
      this.running = undefined;
    }
  }
}
