// Fire-and-forget event publishing (docs/events.md). emit() never waits for Kafka and never throws. While Kafka keeps
// up, events wait in memory for the next batch (linger_ms); once Kafka is away or slow, those and every new event go
// to the on-disk spool (group commit), and are delivered from there in order when it returns. At the spool's size cap
// the least important events go first (spool-admission.ts); drops are counted and logged, never silent.
// An event Kafka can never take (too big, refused by the broker) is truncated to fit or dead-lettered, so it never
// holds up the events behind it.
// Billing events (response, error, cache) are also appended to a write-ahead log (event-wal.ts): committed() resolves
// once they are durable there or in Kafka, so an answered request keeps its billing events through a kill -9.
import { join } from 'node:path';
import { Partitioners, type ICustomPartitioner, type Kafka, type Producer } from 'kafkajs';
import { EVENT_TYPES, type HelixEvent } from '../schemas/events.ts';
import { topicName, type TopicId } from '../schemas/topics.ts';
import { appendDeadLetterFile, deadLetterMessage, deadLetterRecord, logDeadLetter } from './event-dead-letter.ts';
import { EventDrops, type DropCounts, type DropReason } from './event-drops.ts';
import { fitJson, MAX_EVENT_BYTES, messageBytes } from './event-size.ts';
import { LogThrottle } from './log-throttle.ts';
import { SHEDDABLE_TOPICS, spoolHasRoom, spoolRefusal } from './spool-admission.ts';
import { DiskSpool, spoolLine, type FsyncPolicy, type SpooledMessage } from './spool.ts';
import { DEFAULT_WAL_COMMIT_MS, EventWal } from './event-wal.ts';
import { createDurableProducer } from './kafka.ts';
import { logger } from './logger.ts';

export interface EventBusOptions {
  kafka: Kafka;
  topicPrefix?: string;
  spoolDir: string;
  /** Most events in memory: waiting for a batch, or for a spool that cannot take them (default 10,000). */
  memoryMax?: number;
  batchMax?: number;
  /** Largest produce batch, in bytes of keys and values (default MAX_BATCH_BYTES). */
  batchMaxBytes?: number;
  /** Largest event, key + JSON value in bytes (default MAX_EVENT_BYTES); bigger ones are truncated or dead-lettered. */
  maxEventBytes?: number;
  /** How long a partial batch waits for more events before it is sent (default 20 ms). */
  lingerMs?: number;
  /** A send unanswered for this long sends waiting and new events to the spool (default 1000 ms). */
  spoolAfterMs?: number;
  /** The spool's group commit (see spool.ts; default every 5 ms). */
  spoolFsync?: FsyncPolicy;
  /** The spool's size cap in bytes (default 1 GiB). */
  spoolMaxBytes?: number;
  /** The billing-event WAL's group commit in ms (default 2; 0: as soon as the previous commit ended). */
  walCommitMs?: number;
}

export interface EventBusStats {
  connected: boolean;
  /** True while events wait longer than expected: Kafka is down or slow. */
  backlogged: boolean;
  queued: number;
  spooled: number;
  /** Events Kafka accepted on their own topic. */
  delivered: number;
  /** Events sent with long strings cut to fit maxEventBytes. */
  truncated: number;
  /** Events Kafka could never take, sent to the dead-letter topic (or file) instead. */
  deadLettered: number;
  /** What the spool holds, on disk and waiting to be written, against its cap. */
  spoolBytes: number;
  spoolMaxBytes: number;
  /** Spool writes that failed (disk full, directory not writable); the events wait in memory and the write is retried. */
  spoolWriteFailures: number;
  /** Billing-event WAL writes that failed; committed() resolved regardless (the events were still delivered as usual). */
  walWriteFailures: number;
  /** See EventBus.accepting(). */
  accepting: boolean;
  /** Events given up on, by reason (see event-drops.ts). */
  dropped: DropCounts;
}

/** A produce batch's size limit: under the broker's default message limit (1 MiB), which applies per partition batch. */
export const MAX_BATCH_BYTES = 768 * 1024;

/** Kafka refused these records for good (too big, invalid): retrying cannot help, leaving them out does. */
const RECORD_REJECTIONS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

/** The broker's reason when it refused records for good, from a kafkajs error or one it wraps. */
function recordRejection(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { type, message } = e as { type?: unknown; message?: unknown };
    if (typeof type === 'string' && RECORD_REJECTIONS.has(type)) return `${type}: ${String(message)}`;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The event types users are billed from: their events go through the WAL too. */
const BILLING_TYPES = ['response', 'error', 'cache'] as const satisfies ReadonlyArray<keyof typeof EVENT_TYPES>;
export const BILLING_TOPICS: readonly TopicId[] = [...new Set(BILLING_TYPES.map((t) => EVENT_TYPES[t].topic))];

/**
 * kafkajs's default partitioner (murmur2 of the key, like the Java client) with its answer remembered per key and
 * partition count. Events are keyed by tenant — few distinct keys — and the default hashes a fresh Buffer of the key
 * for every message, two messages per proxied request (bench/micro.ts). Same partition as the default for every key, so
 * per-key ordering is unchanged; messages without a key or with an explicit partition go to the default as before.
 */
export const cachedDefaultPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const memo = new Map<string, number>();
  return (args) => {
    const { key, partition } = args.message;
    if (typeof key !== 'string' || (partition !== null && partition !== undefined)) return partitioner(args);
    const id = `${args.partitionMetadata.length}:${key}`;
    let p = memo.get(id);
    if (p === undefined) {
      p = partitioner(args);
      if (memo.size >= 10_000) memo.clear(); // keys are tenants: bounded in practice, bounded here regardless
      memo.set(id, p);
    }
    return p;
  };
};

export class EventBus {
  private producer: Producer;
  private readonly spool: DiskSpool;
  private readonly wal: EventWal;
  private readonly billingTopics: Set<string>;
  /** Each topic's full name (prefix included), built once rather than per event. */
  private readonly topicNames = new Map<TopicId, string>();
  /** Billing events appended to the spool whose WAL lines are released once the spool has them on disk. */
  private spooledBilling: SpooledMessage[] = [];
  private readonly memoryMax: number;
  private readonly batchMax: number;
  private readonly batchMaxBytes: number;
  private readonly maxEventBytes: number;
  private readonly lingerMs: number;
  private readonly spoolAfterMs: number;
  private readonly deadLetterTopic: string;
  private readonly sheddableTopics: Set<string>;
  private readonly drops = new EventDrops();
  private readonly spillLog = new LogThrottle();
  private queue: SpooledMessage[] = [];
  /**
   * While true every new event goes to the spool: Kafka is away or slow, or the spool still holds events (delivery
   * order is emit order). Events are in memory only while Kafka keeps up.
   */
  private spilling: boolean;
  /** The batch taken from memory that is being sent, and whether it was spooled meanwhile (as the spool's first lines). */
  private inflight: { messages: SpooledMessage[]; spooled: boolean } | undefined;
  /** How many of the spool's first lines are already delivered: an in-flight batch that was spooled and then went through. */
  private spoolHeadDelivered = 0;
  /** The oldest spool segment being sent: its messages (made to fit) and how many of them are done. */
  private draining: { seq: number; messages: SpooledMessage[]; done: number } | undefined;
  private connected = false;
  private delivered = 0;
  private truncated = 0;
  private deadLettered = 0;
  /** When the oldest undelivered event was queued (approximately), for backlog reporting. */
  private pendingSince: number | undefined;
  private pumping = false;
  private closed = false;
  private backoffMs = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: EventBusOptions) {
    this.producer = this.createProducer();
    this.spool = new DiskSpool(opts.spoolDir, { fsync: opts.spoolFsync, maxBytes: opts.spoolMaxBytes });
    // Before `spilling` is decided: a crashed process's WAL lines go to the spool, delivered before anything new.
    this.wal = new EventWal(join(opts.spoolDir, 'wal'), this.spool, { commitMs: opts.walCommitMs ?? DEFAULT_WAL_COMMIT_MS });
    this.billingTopics = new Set(BILLING_TOPICS.map((id) => topicName(id, opts.topicPrefix)));
    this.spilling = this.spool.size > 0;
    this.memoryMax = opts.memoryMax ?? 10_000;
    this.batchMax = opts.batchMax ?? 500;
    this.batchMaxBytes = opts.batchMaxBytes ?? MAX_BATCH_BYTES;
    this.maxEventBytes = opts.maxEventBytes ?? MAX_EVENT_BYTES;
    this.lingerMs = opts.lingerMs ?? 20;
    this.spoolAfterMs = opts.spoolAfterMs ?? 1000;
    this.deadLetterTopic = topicName('deadLetter', opts.topicPrefix);
    this.sheddableTopics = new Set(SHEDDABLE_TOPICS.map((id) => topicName(id, opts.topicPrefix)));
  }

  start(): void {
    void this.pump();
  }

  /** Queue an event for its topic, keyed by tenant so one key's events stay ordered. */
  emit(event: HelixEvent): void {
    const topic = EVENT_TYPES[event.type].topic;
    this.publish(topic, event.key_id || 'anonymous', event);
  }

  publish(topic: TopicId, key: string, value: unknown): void {
    if (this.closed) {
      this.drops.record('closed', this.topicName(topic));
      return;
    }
    const message = this.toMessage(this.topicName(topic), key, value);
    if (this.billingTopics.has(message.topic)) this.wal.append(message);
    if (!this.spilling && this.connected && this.queue.length < this.memoryMax) {
      this.queue.push(message);
    } else {
      this.spillMemory();
      this.spoolOrDrop(message);
    }
    this.pendingSince ??= Date.now();
    this.wake?.();
  }

  /**
   * Resolves once every billing event emitted so far is durable: fdatasync-ed in the WAL or acked by Kafka. The
   * gateway awaits it before an answer's last bytes, so an answered request keeps its billing events through a
   * kill -9. Cheap: one promise per WAL commit group. If the WAL cannot be written it resolves anyway (availability
   * over a stuck answer; the events are delivered from memory or the spool as ever) and the failure is counted.
   */
  committed(): Promise<void> {
    return this.wal.committed();
  }

  /**
   * False while new billable work would only add events the spool may have to drop: Kafka is away and the spool is
   * near its size cap or cannot be written. The gateway should then refuse new billable requests (503) and report
   * not-ready; requests already running complete, their events kept in the spool's reserve.
   */
  accepting(): boolean {
    return !this.spilling || spoolHasRoom(this.spool);
  }

  stats(): EventBusStats {
    const pending = this.queue.length + this.spool.size > 0;
    const backlogged = pending && this.pendingSince !== undefined && Date.now() - this.pendingSince > 2_000;
    return {
      connected: this.connected && !backlogged,
      backlogged,
      queued: this.queue.length,
      spooled: this.spool.size,
      delivered: this.delivered,
      truncated: this.truncated,
      deadLettered: this.deadLettered,
      spoolBytes: this.spool.bytes,
      spoolMaxBytes: this.spool.maxBytes,
      spoolWriteFailures: this.spool.writeFailures,
      walWriteFailures: this.wal.writeFailures,
      accepting: this.accepting(),
      dropped: { ...this.drops.counts },
    };
  }

  /** Resolves once every event published so far is in Kafka or written to the spool (per its fsync policy). */
  async flushed(): Promise<void> {
    while (this.queue.length > 0 || (this.inflight && !this.inflight.spooled)) await sleep(5);
    await this.spool.flushed();
  }

  /** Delivers what it can within the timeout; whatever is left is kept on disk for the next start. */
  async close(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.spool.size > 0) && Date.now() < deadline && this.connected) await sleep(20);
    this.closed = true;
    this.wake?.();
    this.spillMemory();
    const unwritten = await this.spool.close();
    if (unwritten > 0) this.drops.record('unwritten_at_close', 'all', unwritten);
    // The spool has them on disk now: their WAL lines are not needed for the next start.
    else await this.releaseSpooled();
    await this.wal.close();
    await this.producer.disconnect().catch(() => undefined);
  }

  private topicName(id: TopicId): string {
    let name = this.topicNames.get(id);
    if (name === undefined) this.topicNames.set(id, (name = topicName(id, this.opts.topicPrefix)));
    return name;
  }

  private createProducer(): Producer {
    return createDurableProducer(this.opts.kafka, { createPartitioner: cachedDefaultPartitioner });
  }

  /**
   * A new producer (so a new idempotent producer id) after a failed send. kafkajs rewinds its sequence numbers for the
   * whole request even when the broker stored some partitions' records, and the broker then drops the next records
   * sent with those numbers as duplicates: lost events. With a new id they are sent again (sinks dedupe by event id).
   */
  private async replaceProducer(): Promise<void> {
    const failed = this.producer;
    this.producer = this.createProducer();
    this.connected = false;
    this.spillMemory();
    await failed.disconnect().catch(() => undefined);
  }

  /**
   * From now on events go to the spool, starting with those in memory: the batch being sent (if it fails it must go
   * first) and the queue. A crash then loses at most the spool's commit window.
   */
  private spillMemory(): void {
    if (!this.spilling && !this.closed && this.spillLog.pass() !== undefined) {
      logger.warn({ queued: this.queue.length, spooled: this.spool.size }, 'kafka send failed or slow; events go to the spool until it catches up');
    }
    this.spilling = true;
    const inflight = this.inflight;
    if (inflight && !inflight.spooled) {
      // Nothing else is in the spool while a batch from memory is sent: these become its first lines. Written
      // whatever the cap (one batch at most), so spoolHeadDelivered can count them.
      inflight.spooled = true;
      for (const m of inflight.messages) this.toSpool(m, spoolLine(m));
    }
    for (const m of this.queue) this.spoolOrDrop(m);
    this.queue = [];
  }

  private spoolOrDrop(message: SpooledMessage): void {
    const line = spoolLine(message);
    const reason: DropReason | undefined = spoolRefusal(this.spool, { sheddable: this.sheddableTopics.has(message.topic), bytes: line.length }, this.memoryMax);
    if (reason) {
      this.drops.record(reason, message.topic);
      // Dropped and counted; its WAL line goes too, or the WAL would grow without bound while the spool is full.
      this.wal.release(message);
    } else this.toSpool(message, line);
  }

  private toSpool(message: SpooledMessage, line: Buffer): void {
    this.spool.append(line);
    if (!this.billingTopics.has(message.topic)) return;
    // One wait on the spool's commit for every billing event spooled in this tick.
    if (this.spooledBilling.push(message) === 1) queueMicrotask(() => void this.releaseSpooled(this.spool.flushed()));
  }

  /** Releases the WAL lines of the billing events spooled so far, once `durable` (all of them on disk) resolves. */
  private releaseSpooled(durable: Promise<void> = Promise.resolve()): Promise<void> {
    const spooled = this.spooledBilling;
    this.spooledBilling = [];
    return durable.then(() => spooled.forEach((m) => this.wal.release(m)));
  }

  private toMessage(topic: string, key: string, value: unknown): SpooledMessage {
    let json: string;
    try {
      json = JSON.stringify(value) ?? 'null';
    } catch (err) {
      return this.deadLetter({ topic, key, value: '' }, `event not serializable: ${(err as Error).message}`); // cyclic, BigInt, too deep
    }
    return this.fit({ topic, key, value: json });
  }

  /** The message within maxEventBytes: as it is, with its longest strings cut, or else its dead-letter record. */
  private fit(message: SpooledMessage): SpooledMessage {
    if ((message.key.length + message.value.length) * 3 <= this.maxEventBytes) return message; // ≤ 3 UTF-8 bytes a unit
    const size = messageBytes(message);
    if (size <= this.maxEventBytes) return message;
    const fitted = fitJson(message.value, this.maxEventBytes - Buffer.byteLength(message.key, 'utf8'));
    if (!fitted) return this.deadLetter(message, `event of ${size} bytes does not fit the ${this.maxEventBytes}-byte event cap even truncated`);
    this.truncated++;
    logger.warn({ topic: message.topic, size_bytes: size, truncated_fields: fitted.truncatedFields, max_bytes: this.maxEventBytes }, 'event truncated to fit the event cap');
    return { ...message, value: fitted.json };
  }

  /** The dead-letter topic's record of a message that will not be sent, counted and logged. */
  private deadLetter(message: SpooledMessage, reason: string): SpooledMessage {
    const record = deadLetterRecord(message, reason);
    this.deadLettered++;
    logDeadLetter(record);
    return deadLetterMessage(record, this.deadLetterTopic);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    while (!this.closed) {
      // Connect eagerly so health reports Kafka's state before the first event.
      if (!this.connected && !(await this.connect())) continue;
      if (this.queue.length === 0 && this.spool.size === 0) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      // The spool holds older events than memory: it is emptied first.
      if (this.spool.size > 0) {
        await this.sendFromSpool();
        continue;
      }
      // A short linger turns many tiny produce requests into fewer, larger ones. Each produce request costs the
      // gateway (kafkajs request/response handling, a socket write) and the broker far more than one more event
      // in it, so at 2 events per proxied request a 5 ms linger left Kafka work a large share of the request cost.
      if (this.queue.length < this.batchMax && this.lingerMs > 0) await sleep(this.lingerMs);
      if (this.queue.length > 0 && this.spool.size === 0) await this.sendFromMemory();
    }
    this.pumping = false;
  }

  private async connect(): Promise<boolean> {
    try {
      await this.producer.connect();
      this.connected = true;
      this.backoffMs = 0;
      return true;
    } catch (err) {
      this.spillMemory();
      await this.backoff(err);
      return false;
    }
  }

  private async sendFromMemory(): Promise<void> {
    const messages = this.nextBatch(this.queue, 0);
    this.queue.splice(0, messages.length);
    const inflight = (this.inflight = { messages, spooled: false });
    const done = await this.deliverWatched(messages);
    this.inflight = undefined;
    for (let i = 0; i < done; i++) this.wal.release(messages[i]!);
    if (inflight.spooled) this.spoolHeadDelivered += done;
    else if (done < messages.length) this.queue.unshift(...messages.slice(done)); // not reached: a failed send spills
  }

  private async sendFromSpool(): Promise<void> {
    if (!this.draining) {
      const segment = await this.spool.takeOldest();
      if (!segment) return;
      // Caught up (connected: the pump only sends then): new events wait in memory again, behind this segment.
      if (segment.last) this.spilling = false;
      const skip = Math.min(this.spoolHeadDelivered, segment.messages.length);
      this.spoolHeadDelivered -= skip;
      // Spooled events may predate the event cap (or a smaller one): they are made to fit like new ones.
      this.draining = { seq: segment.seq, messages: segment.messages.slice(skip).map((m) => this.fit(m)), done: 0 };
    }
    const segment = this.draining;
    while (segment.done < segment.messages.length) {
      const batch = this.nextBatch(segment.messages, segment.done);
      const done = await this.deliverWatched(batch);
      segment.done += done;
      if (done < batch.length) return; // Kafka is away: resumed from here
    }
    await this.spool.acknowledge(segment.seq);
    this.draining = undefined;
  }

  /** deliver(), and if Kafka has not answered within spoolAfterMs, events meanwhile go to the spool rather than pile up in memory. */
  private async deliverWatched(batch: SpooledMessage[]): Promise<number> {
    const slow = setTimeout(() => this.spillMemory(), this.spoolAfterMs);
    try {
      return await this.deliver(batch);
    } finally {
      clearTimeout(slow);
    }
  }

  /** Messages from `from` on, as many as one produce request may carry (at least one). */
  private nextBatch(messages: SpooledMessage[], from: number): SpooledMessage[] {
    let end = from;
    let bytes = 0;
    while (end < messages.length && end - from < this.batchMax) {
      bytes += messageBytes(messages[end]!);
      if (bytes > this.batchMaxBytes && end > from) break;
      end++;
    }
    return messages.slice(from, end);
  }

  /**
   * Sends the batch in order and says how many of its messages, from the start, are done: delivered or dead-lettered.
   * When the broker refuses records for good, the batch is halved until the refused ones are alone, and each of those
   * is dead-lettered; the rest are still delivered, in order. Any other failure backs off (Kafka is away or slow).
   */
  private async deliver(batch: SpooledMessage[]): Promise<number> {
    const err = await this.trySend(batch);
    if (err === undefined) {
      for (const m of batch) if (m.topic !== this.deadLetterTopic) this.delivered++;
      this.backoffMs = 0;
      this.pendingSince = this.queue.length + this.spool.size > batch.length ? Date.now() : undefined;
      return batch.length;
    }
    await this.replaceProducer();
    const rejection = recordRejection(err);
    if (rejection === undefined) {
      await this.backoff(err);
      return 0;
    }
    if (batch.length === 1) return (await this.deliverDeadLetter(batch[0]!, rejection)) ? 1 : 0;
    const half = Math.ceil(batch.length / 2);
    const first = await this.deliver(batch.slice(0, half));
    return first < half ? first : half + (await this.deliver(batch.slice(half)));
  }

  /** A refused message's record to the dead-letter topic; a refused record to the dead-letter file. */
  private async deliverDeadLetter(message: SpooledMessage, rejection: string): Promise<boolean> {
    if (message.topic !== this.deadLetterTopic) return (await this.deliver([this.deadLetter(message, `kafka refused the event: ${rejection}`)])) === 1;
    const record = deadLetterRecord(message, `kafka refused the dead-letter record: ${rejection}`);
    logger.warn({ topic: record.topic, size_bytes: record.size_bytes, reason: record.reason }, 'dead-letter record written to the local dead-letter file');
    appendDeadLetterFile(this.opts.spoolDir, record);
    return true;
  }

  /** undefined when Kafka took the whole batch, else what went wrong. */
  private async trySend(batch: SpooledMessage[]): Promise<unknown> {
    // Plain { key, value, headers } objects of one shape: kafkajs copies each into its record, which is faster for them
    // than for messages of several shapes (some carry the WAL's mark).
    const byTopic = new Map<string, Array<{ key: string; value: string; headers?: Record<string, string> }>>();
    for (const m of batch) {
      const message = { key: m.key, value: m.value, headers: m.headers };
      const list = byTopic.get(m.topic);
      if (list) list.push(message);
      else byTopic.set(m.topic, [message]);
    }
    try {
      if (!this.connected) {
        await this.producer.connect();
        this.connected = true;
      }
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      return undefined;
    } catch (err) {
      return err ?? new Error('kafka send failed');
    }
  }

  private async backoff(err: unknown): Promise<void> {
    this.backoffMs = Math.min(5_000, this.backoffMs ? this.backoffMs * 2 : 100);
    logger.warn({ err: (err as Error).message, retryInMs: this.backoffMs, queued: this.queue.length, spooled: this.spool.size }, 'kafka unavailable; events kept');
    await sleep(this.backoffMs);
  }
}
