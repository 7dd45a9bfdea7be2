// On-disk spool for events Kafka cannot take yet: numbered JSONL segments, oldest first (docs/events.md).
// Appends are group-committed: held in memory, then written and fdatasync-ed together at most `fsync` ms later, on
// one chain of async file operations, so the event loop never waits for the disk and a killed process loses at most
// the last commit window. A segment is deleted only once every line in it was delivered: a crash re-sends rather
// than loses. The bytes on disk stay under maxBytes; lines beyond it wait in memory until delivery frees room.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { logger } from './logger.ts';
import { SegmentFiles } from './segment-files.ts';
import { LogThrottle } from './log-throttle.ts';
import type { SpoolRoom } from './spool-admission.ts';

export interface SpooledMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

/** Milliseconds between group commits; 'always' is 0; 'never': written at once and never fdatasync-ed. */
export type FsyncPolicy = number | 'always' | 'never';

export interface SpoolOptions {
  fsync?: FsyncPolicy;
  /** Most bytes the segment files may take together (default DEFAULT_SPOOL_MAX_BYTES). */
  maxBytes?: number;
}

export const DEFAULT_FSYNC_MS = 5;
export const DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024;
/** Segments stay small enough to be read into memory whole when they are drained. */
const SEGMENT_LINES = 5_000;
const SEGMENT_BYTES = 4 * 1024 * 1024;
/** Wait before writing again after a failed write (disk full, directory gone or not writable). */
const RETRY_MS = 1_000;
const NEWLINE = 0x0a;


/** The message as one spool line, newline included. */
export function spoolLine(message: SpooledMessage): Buffer {
  return Buffer.from(JSON.stringify(message) + '\n');
}

interface Segment {
  seq: number;
  /** Lines in its file plus lines waiting in memory. */
  lines: number;
  /** Bytes written to its file; anything after them is a torn write. */
  diskBytes: number;
  /** Lines not written yet, oldest first. */
  unwritten: Buffer[];
  unwrittenBytes: number;
  /** Takes no more lines: being drained, or left by an earlier process. */
  sealed: boolean;
}

export class DiskSpool implements SpoolRoom {
  readonly maxBytes: number;
  private readonly commitDelayMs: number;
  private readonly fsync: boolean;
  private segments: Segment[];
  private nextSeq: number;
  private lineCount = 0;
  private diskBytes = 0;
  private unwrittenLines = 0;
  private unwrittenTotal = 0;
  private failing = false;
  private failures = 0;
  private closing = false;
  /** Lines appended by this process, and who waits for how many of them to be written. */
  private appended = 0;
  private waiters: Array<{ through: number; resolve: () => void }> = [];
  private commitTimer: NodeJS.Timeout | undefined;
  /** Every file operation runs on this chain, one at a time and in order. */
  private chain: Promise<void> = Promise.resolve();
  private readonly files: SegmentFiles;
  private readonly failureLog = new LogThrottle();

  constructor(
    private readonly dir: string,
    opts: SpoolOptions = {},
  ) {
    const fsync = opts.fsync ?? DEFAULT_FSYNC_MS;
    this.commitDelayMs = typeof fsync === 'number' ? fsync : 0;
    this.fsync = fsync !== 'never';
    this.maxBytes = opts.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.files = new SegmentFiles(dir, 'spool-');
    this.segments = this.existingSegments();
    this.nextSeq = (this.segments.at(-1)?.seq ?? 0) + 1;
  }

  /** Messages held: on disk and waiting to be written. */
  get size(): number {
    return this.lineCount;
  }

  get bytes(): number {
    return this.diskBytes + this.unwrittenTotal;
  }

  get writable(): boolean {
    return !this.failing;
  }

  /** Writes that failed (disk full, directory not writable), each retried later. */
  get writeFailures(): number {
    return this.failures;
  }

  get unwrittenCount(): number {
    return this.unwrittenLines;
  }

  get unwrittenBytes(): number {
    return this.unwrittenTotal;
  }

  /** Adds a line (see spoolLine); it is written with the next group commit. */
  append(line: Buffer): void {
    let segment = this.segments.at(-1);
    if (!segment || segment.sealed || segment.lines >= SEGMENT_LINES || segment.diskBytes + segment.unwrittenBytes >= SEGMENT_BYTES) {
      segment = { seq: this.nextSeq++, lines: 0, diskBytes: 0, unwritten: [], unwrittenBytes: 0, sealed: false };
      this.segments.push(segment);
    }
    segment.unwritten.push(line);
    segment.unwrittenBytes += line.length;
    segment.lines++;
    this.lineCount++;
    this.unwrittenLines++;
    this.unwrittenTotal += line.length;
    this.appended++;
    this.scheduleCommit();
  }

  /** Resolves once every line appended so far is written (and fdatasync-ed, unless the policy is 'never') or delivered. */
  flushed(): Promise<void> {
    const through = this.appended;
    if (this.appended - this.unwrittenLines >= through) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ through, resolve }));
  }

  /**
   * The oldest segment's messages, from its file and from memory, sealed so nothing more is added to it; `last`:
   * nothing was spooled after it (yet).
   */
  async takeOldest(): Promise<{ seq: number; messages: SpooledMessage[]; last: boolean } | undefined> {
    const segment = this.segments[0];
    if (!segment) return undefined;
    segment.sealed = true;
    const last = this.segments.length === 1;
    return this.serial(async () => ({ seq: segment.seq, messages: [...(await this.readWritten(segment)), ...parseLines(segment.unwritten)], last }));
  }

  /** Called once every message of that segment is in Kafka: deletes it, which makes room for waiting lines. */
  async acknowledge(seq: number): Promise<void> {
    await this.serial(async () => {
      const at = this.segments.findIndex((s) => s.seq === seq);
      if (at < 0) return;
      const [segment] = this.segments.splice(at, 1) as [Segment];
      await this.files.close(seq);
      await rm(this.files.path(seq), { force: true }).catch((err: NodeJS.ErrnoException) => {
        // ENOTDIR: the directory never existed (its lines were delivered from memory).
        if (err.code !== 'ENOTDIR') logger.error({ err: err.message, dir: this.dir, seq }, 'delivered spool segment could not be deleted; its events will be sent again after a restart');
      });
      this.lineCount -= segment.lines;
      this.diskBytes -= segment.diskBytes;
      this.unwrittenLines -= segment.unwritten.length;
      this.unwrittenTotal -= segment.unwrittenBytes;
    });
    this.settleWaiters();
    this.scheduleCommit();
  }

  /** Writes what waits in memory, past the size cap if need be (it would be lost otherwise); returns how many lines could not be. */
  async close(): Promise<number> {
    this.closing = true;
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    await this.serial(() => this.commit());
    await this.serial(() => this.files.close());
    return this.unwrittenLines;
  }

  private existingSegments(): Segment[] {
    let seqs: number[];
    try {
      seqs = this.files.existing();
    } catch (err) {
      this.failing = true;
      this.failures++;
      logger.error({ err: (err as Error).message, dir: this.dir }, 'event spool directory not usable; spooled events wait in memory (bounded) until it is');
      return [];
    }
    return seqs.flatMap((seq) => {
      const file = this.files.path(seq);
      try {
        const { size } = statSync(file);
        const lines = countLines(file, size);
        this.lineCount += lines;
        this.diskBytes += size;
        return [{ seq, lines, diskBytes: size, unwritten: [], unwrittenBytes: 0, sealed: true }];
      } catch (err) {
        logger.error({ err: (err as Error).message, file }, 'spool segment unreadable; skipped');
        return [];
      }
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.chain.then(op);
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private scheduleCommit(): void {
    if (this.commitTimer || this.closing || this.unwrittenLines === 0) return;
    this.commitTimer = setTimeout(
      () => {
        this.commitTimer = undefined;
        void this.serial(() => this.commit());
      },
      this.failing ? RETRY_MS : this.commitDelayMs,
    );
  }

  /** Writes the waiting lines, oldest first, up to the size cap; stops at the first failure (order on disk is order of emission). */
  private async commit(): Promise<void> {
    for (const segment of this.segments) {
      if (segment.unwritten.length === 0) continue;
      const room = this.closing ? Number.POSITIVE_INFINITY : this.maxBytes - this.diskBytes;
      let count = 0;
      let bytes = 0;
      while (count < segment.unwritten.length && bytes + segment.unwritten[count]!.length <= room) bytes += segment.unwritten[count++]!.length;
      if (count === 0 || !(await this.write(segment, segment.unwritten.slice(0, count), bytes))) break;
      segment.unwritten.splice(0, count);
      segment.unwrittenBytes -= bytes;
      segment.diskBytes += bytes;
      this.diskBytes += bytes;
      this.unwrittenLines -= count;
      this.unwrittenTotal -= bytes;
      if (segment.unwritten.length > 0) break; // at the cap: the rest waits for acknowledge() to free room
    }
    this.settleWaiters();
    if (this.failing) this.scheduleCommit();
  }

  private async write(segment: Segment, lines: Buffer[], bytes: number): Promise<boolean> {
    try {
      await this.files.append(segment.seq, lines.length === 1 ? lines[0]! : Buffer.concat(lines, bytes), segment.diskBytes, this.fsync);
      if (this.failing) logger.info({ dir: this.dir, waiting_events: this.unwrittenLines }, 'event spool writable again');
      this.failing = false;
      return true;
    } catch (err) {
      this.failing = true;
      this.failures++;
      if (this.failureLog.pass() !== undefined) {
        const { message, code } = err as NodeJS.ErrnoException;
        logger.error({ err: message, code, dir: this.dir, waiting_events: this.unwrittenLines }, 'event spool write failed; events wait in memory (bounded) and the write is retried');
      }
      return false;
    }
  }

  private async readWritten(segment: Segment): Promise<SpooledMessage[]> {
    if (segment.diskBytes === 0) return [];
    try {
      const data = await readFile(this.files.path(segment.seq));
      return parseLines([data.subarray(0, segment.diskBytes)]);
    } catch (err) {
      logger.error({ err: (err as Error).message, dir: this.dir, seq: segment.seq, events: segment.lines - segment.unwritten.length }, 'spool segment could not be read; its events are lost');
      return [];
    }
  }

  private settleWaiters(): void {
    const through = this.appended - this.unwrittenLines;
    if (this.waiters.length === 0 || this.waiters[0]!.through > through) return;
    const ready = this.waiters.filter((w) => w.through <= through);
    this.waiters = this.waiters.filter((w) => w.through > through);
    for (const w of ready) w.resolve();
  }
}

/** Lines in a file: newlines, plus a last line without one (torn by a crash). Read in chunks: segments from before a restart can be many. */
function countLines(file: string, size: number): number {
  const fd = openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  let lastByte = NEWLINE;
  try {
    for (let position = 0; position < size; ) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, size - position), position);
      if (read === 0) break;
      const view = chunk.subarray(0, read);
      for (let at = view.indexOf(NEWLINE); at >= 0; at = view.indexOf(NEWLINE, at + 1)) lines++;
      lastByte = view[read - 1]!;
      position += read;
    }
  } finally {
    closeSync(fd);
  }
  return lastByte === NEWLINE ? lines : lines + 1;
}

/**
 * The messages in spool lines. A torn last line (a crash mid-write), or any line that is not a message, is skipped
 * rather than poisoning the whole segment.
 */
function parseLines(chunks: Buffer[]): SpooledMessage[] {
  return chunks.flatMap((chunk) =>
    chunk
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          const message = JSON.parse(line) as unknown;
          return isSpooledMessage(message) ? [message] : [];
        } catch {
          return [];
        }
      }),
  );
}

function isSpooledMessage(value: unknown): value is SpooledMessage {
  const m = value as Partial<SpooledMessage> | null;
  return typeof m === 'object' && m !== null && typeof m.topic === 'string' && typeof m.key === 'string' && typeof m.value === 'string';
}
