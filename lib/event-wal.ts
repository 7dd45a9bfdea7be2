// Write-ahead log for billing events (docs/events.md, "Billing events: the WAL"). While Kafka keeps up, events wait in
// memory for a batch; a process killed then would lose them. Billing events are therefore also appended here: their
// line (walLine) goes into a buffer, and every `commitMs` the buffer is written and fdatasync-ed at once (group commit,
// on one chain of async file operations: the event loop never waits for the disk). committed() resolves once every
// billing event appended so far is durable here or released (acked by Kafka).
// Normal delivery does not read the WAL. A line is released once Kafka acked its event or the spool has it durably
// (or it was dropped, counted); a segment is deleted once it is rolled and every line in it is released. At start-up,
// lines in leftover segments are moved into the spool (delivered before anything new), then their segments deleted:
// a crash re-sends rather than loses (sinks dedupe by event id).
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { LogThrottle } from './log-throttle.ts';
import { logger } from './logger.ts';
import { WalFiles } from './wal-files.ts';
import { spoolLine, type SpooledMessage } from './spool.ts';

export const DEFAULT_WAL_COMMIT_MS = 2;
/** Segments roll this often or at this size, so released ones can be deleted and the WAL stays small. */
const SEGMENT_MS = 500;
const SEGMENT_BYTES = 256 * 1024;
/** A segment's file is made ahead at up to this size: a full segment and the commit that crosses SEGMENT_BYTES. */
const SEGMENT_FILE_BYTES = SEGMENT_BYTES + 64 * 1024;
/** After a failed write, commits skip the disk for this long (committed() resolves regardless; counted). */
const RETRY_MS = 1_000;


/** Marks a message with the WAL segment holding its line (a symbol: JSON.stringify leaves it out). */
const SEGMENT = Symbol('walSegment');
type Tagged = SpooledMessage & { [SEGMENT]?: WalSegment };

interface WalSegment {
  seq: number;
  /** Number of its first line (lines are numbered from 1 in append order). */
  firstLine: number;
  /** Lines appended and not released yet. */
  outstanding: number;
  /** Lines in the buffer, not yet written. */
  buffered: number;
  bytes: number;
  /** Bytes written to its file; anything after them is a torn write. */
  diskBytes: number;
  createdAt: number;
  sealed: boolean;
}

interface Group {
  /** The last line this commit covers. */
  through: number;
  promise: Promise<void>;
  resolve: () => void;
}

/** Where leftover lines go at start-up: the spool (itself durable once flushed()). */
export interface WalRecoveryTarget {
  append(line: Buffer): void;
  flushed(): Promise<void>;
}

export interface EventWalOptions {
  /** Group commits start at most this often (ms); 0: as soon as the previous one ended. */
  commitMs?: number;
}

const RESOLVED = Promise.resolve();

function newGroup(through: number): Group {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { through, promise, resolve };
}

export class EventWal {
  private readonly commitMs: number;
  private chunks: Array<{ segment: WalSegment; lines: string[] }> = [];
  private segments: WalSegment[] = [];
  private current: WalSegment | undefined;
  private nextSeq: number;
  private appended = 0;
  /** Waits for the lines in the buffer. */
  private pending: Group | undefined;
  /** Waits for the commit being written. */
  private writing: Group | undefined;
  private readonly files: WalFiles;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private committing = false;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private collectDue = false;
  private failingUntil = 0;
  private failures = 0;
  private closed = false;
  private readonly failureLog = new LogThrottle();

  constructor(
    private readonly dir: string,
    recoverInto: WalRecoveryTarget,
    opts: EventWalOptions = {},
  ) {
    this.commitMs = opts.commitMs ?? DEFAULT_WAL_COMMIT_MS;
    this.files = new WalFiles(dir, SEGMENT_FILE_BYTES);
    const { leftover, lastSeq } = this.recover(recoverInto);
    this.nextSeq = lastSeq + 1;
    if (leftover.length > 0) {
      // Deleted only once the spool has their lines on disk: until then a crash finds them here again.
      void recoverInto.flushed().then(() => Promise.all(leftover.map((seq) => rm(this.files.path(seq), { force: true }).catch(() => undefined))));
    }
  }

  /** Failed writes (disk full, directory not writable); the events they held were still delivered from memory or the spool. */
  get writeFailures(): number {
    return this.failures;
  }

  /** Segments on disk or being written. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** Appends the message's line to the next group commit and tags the message, for release(). */
  append(message: SpooledMessage): void {
    if (this.closed) return;
    const line = walLine(message);
    let segment = this.current;
    if (!segment || segment.sealed || segment.bytes >= SEGMENT_BYTES || Date.now() - segment.createdAt >= SEGMENT_MS) segment = this.roll();
    segment.outstanding++;
    segment.buffered++;
    segment.bytes += line.length + 1;
    const last = this.chunks.at(-1);
    if (last?.segment === segment) last.lines.push(line);
    else this.chunks.push({ segment, lines: [line] });
    this.appended++;
    (message as Tagged)[SEGMENT] = segment;
    this.schedule();
  }

  /** The message's event is safe elsewhere (acked by Kafka, durable in the spool) or dropped (counted): its line is no longer needed. */
  release(message: SpooledMessage): void {
    const segment = (message as Tagged)[SEGMENT];
    if (!segment) return;
    (message as Tagged)[SEGMENT] = undefined;
    if (--segment.outstanding > 0) return;
    this.collectDue = true;
    this.schedule();
    this.settleEarly();
  }

  /**
   * Resolves once every line appended so far is fdatasync-ed, released, or its write failed (counted, logged). One
   * promise per commit group, shared by every caller.
   */
  committed(): Promise<void> {
    if (this.chunks.length > 0) {
      this.pending ??= newGroup(this.appended);
      this.pending.through = this.appended;
      return this.pending.promise;
    }
    return this.writing?.promise ?? RESOLVED;
  }

  /** Writes what is buffered, deletes the released segments and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.committing) await new Promise((r) => setTimeout(r, 1));
    this.clearTimer();
    this.collectDue = true;
    await this.commit();
    await this.files.close();
  }

  private roll(): WalSegment {
    if (this.current) {
      this.current.sealed = true;
      if (this.current.outstanding === 0) this.collectDue = true;
    }
    const segment: WalSegment = { seq: this.nextSeq++, firstLine: this.appended + 1, outstanding: 0, buffered: 0, bytes: 0, diskBytes: 0, createdAt: Date.now(), sealed: false };
    this.segments.push(segment);
    this.current = segment;
    return segment;
  }

  /** Kafka may ack before the disk syncs: a commit whose lines are all released need not wait for it. */
  private settleEarly(): void {
    if (!this.writing && !this.pending) return;
    const firstOutstanding = this.segments.find((s) => s.outstanding > 0)?.firstLine ?? Number.POSITIVE_INFINITY;
    if (this.writing && this.writing.through < firstOutstanding) this.writing.resolve();
    if (this.pending && this.pending.through < firstOutstanding) {
      this.pending.resolve();
      this.pending = undefined; // lines appended from now on need a group of their own
    }
  }

  /**
   * Commits start at most every commitMs: the first append after a quiet spell is committed at once (one waiting
   * answer should not sit out a whole window), later ones are grouped until the window since the last commit ends.
   */
  private schedule(): void {
    if (this.timer || this.committing || this.closed) return;
    const run = () => {
      this.timer = undefined;
      void this.commit();
    };
    const delay = this.lastCommitAt + this.commitMs - performance.now();
    this.timer = delay >= 1 ? setTimeout(run, delay) : setImmediate(run);
  }

  private clearTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private async commit(): Promise<void> {
    this.committing = true;
    this.lastCommitAt = performance.now();
    try {
      const chunks = this.chunks;
      this.chunks = [];
      // A group even if no one waits yet: committed() during the write must wait for it.
      const group = chunks.length > 0 ? (this.pending ?? newGroup(this.appended)) : this.pending;
      this.pending = undefined;
      if (group) group.through = this.appended;
      this.writing = group;
      if (chunks.length > 0) await this.write(chunks);
      this.writing = undefined;
      group?.resolve();
      if (this.collectDue) await this.collect();
    } finally {
      this.committing = false;
    }
    if (this.chunks.length > 0 || this.collectDue) this.schedule();
  }

  private async write(chunks: Array<{ segment: WalSegment; lines: string[] }>): Promise<void> {
    for (const c of chunks) c.segment.buffered -= c.lines.length;
    if (Date.now() < this.failingUntil) return; // backing off: the events are in memory or the spool as ever
    try {
      for (const chunk of chunks) {
        const segment = chunk.segment;
        const data = Buffer.from(chunk.lines.join('\n') + '\n');
        await this.files.append(segment.seq, data, segment.diskBytes);
        segment.diskBytes += data.length;
      }
      if (this.failingUntil > 0) logger.info({ dir: this.dir }, 'event WAL writable again');
      this.failingUntil = 0;
    } catch (err) {
      // A failed write may have left part of its lines: those segments take no more, new lines start a new one.
      for (const c of chunks) c.segment.sealed = true;
      if (this.current?.sealed) this.collectDue = true;
      this.failures++;
      this.failingUntil = Date.now() + RETRY_MS;
      if (this.failureLog.pass() !== undefined) {
        const { message, code } = err as NodeJS.ErrnoException;
        logger.error({ err: message, code, dir: this.dir }, 'event WAL write failed; commits resolve without it (the events are still delivered from memory or the spool), retried in 1 s');
      }
    }
  }

  /** Deletes segments whose lines are all released and that take no more lines. */
  private async collect(): Promise<void> {
    this.collectDue = false;
    const current = this.current;
    // An idle WAL whose lines are all released starts afresh with the next append.
    if (current && current.outstanding === 0 && current.buffered === 0) {
      current.sealed = true;
      this.current = undefined;
    }
    const done = this.segments.filter((s) => s.sealed && s.outstanding === 0 && s.buffered === 0);
    if (done.length === 0) return;
    this.segments = this.segments.filter((s) => !done.includes(s));
    for (const segment of done) {
      await this.files.close(segment.seq);
      await rm(this.files.path(segment.seq), { force: true }).catch(() => undefined);
    }
  }

  /** Moves the lines of segments left by an earlier process into the spool; returns their numbers. */
  private recover(into: WalRecoveryTarget): { leftover: number[]; lastSeq: number } {
    let seqs: number[];
    try {
      seqs = this.files.existing();
    } catch (err) {
      this.failures++;
      this.failingUntil = Date.now() + RETRY_MS;
      logger.error({ err: (err as Error).message, dir: this.dir }, 'event WAL directory not usable; commits resolve without it');
      return { leftover: [], lastSeq: 0 };
    }
    let moved = 0;
    const recovered = seqs.filter((seq) => {
      const file = this.files.path(seq);
      try {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          const spooled = spoolLineOf(line);
          if (!spooled) continue; // empty, or torn by the crash
          into.append(spooled);
          moved++;
        }
        return true;
      } catch (err) {
        logger.error({ err: (err as Error).message, file }, 'event WAL segment unreadable; kept for inspection');
        return false;
      }
    });
    if (recovered.length > 0) logger.warn({ segments: recovered.length, events: moved, dir: this.dir }, 'billing events from the WAL of an earlier process moved to the spool (some may be duplicates; sinks dedupe by event id)');
    return { leftover: recovered, lastSeq: seqs.at(-1) ?? 0 };
  }
}

/** `{"topic":<topic>,"key":` per topic: the start of its messages' WAL lines. */
const lineStarts = new Map<string, string>();

/**
 * A message's WAL line: `{"topic":…,"key":…}`, a tab, then the value as it is — an event's JSON is not serialised a
 * second time as a string inside the line (JSON text holds no raw tab or newline). Any other message: its whole JSON.
 */
export function walLine(message: SpooledMessage): string {
  const value = message.value;
  if (message.headers !== undefined || value.charCodeAt(0) !== 0x7b || value.includes('\n')) return JSON.stringify(message);
  let start = lineStarts.get(message.topic);
  if (start === undefined) {
    start = `{"topic":${JSON.stringify(message.topic)},"key":`;
    if (lineStarts.size < 1_000) lineStarts.set(message.topic, start); // topics are a fixed few; bounded regardless
  }
  return `${start}${JSON.stringify(message.key)}}\t${value}`;
}

/** The spool line of a WAL line (either form of walLine); undefined for an empty or torn one. */
export function spoolLineOf(line: string): Buffer | undefined {
  if (!line) return undefined;
  try {
    const tab = line.indexOf('\t');
    if (tab < 0) {
      const m = JSON.parse(line) as Partial<SpooledMessage> | null;
      return isMessage(m) ? Buffer.from(line + '\n') : undefined;
    }
    const head = JSON.parse(line.slice(0, tab)) as Partial<SpooledMessage> | null;
    const value = line.slice(tab + 1);
    JSON.parse(value); // a torn line ends before its value is whole
    const message = { topic: head?.topic, key: head?.key, value };
    return isMessage(message) ? spoolLine(message) : undefined;
  } catch {
    return undefined;
  }
}

function isMessage(m: Partial<SpooledMessage> | null): m is SpooledMessage {
  return typeof m === 'object' && m !== null && typeof m.topic === 'string' && typeof m.key === 'string' && typeof m.value === 'string';
}
