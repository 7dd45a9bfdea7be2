// The write-ahead log's segment files (event-wal.ts): `wal-<seq, 10 digits>.jsonl` in one directory, each written at
// known offsets through a descriptor opened with O_DSYNC, so one write is one durable group commit (no separate
// fdatasync). A segment starts as a spare file of zeros made ahead of time: a commit then only overwrites blocks the
// file already has, and the disk sync need not commit any file-system metadata (size, extents) — most of its cost.
// Readers stop at the zeros: they are not a line (recovery skips them).
import { constants, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const SPARE = 'wal-spare.tmp';
/** Spares are sized from the last segment's use (twice it), within these bounds. */
const SPARE_MIN_BYTES = 16 * 1024;
const PAGE = 4096;
/** Where O_DSYNC is missing (not Linux or macOS) each write is followed by an fdatasync instead. */
const DSYNC = constants.O_DSYNC ?? 0;
const FLAGS = constants.O_WRONLY | constants.O_CREAT | DSYNC;

export class WalFiles {
  private readonly pattern = /^wal-(\d{10})\.jsonl$/;
  private current: { seq: number; handle: FileHandle; end: number } | undefined;
  private spare: { handle: FileHandle; bytes: number } | undefined;
  private makingSpare = false;
  private lastSegmentBytes = 0;
  private dirReady = false;
  private closed = false;

  constructor(
    private readonly dir: string,
    /** Largest spare: a full segment and some (the segment that crosses the roll size). */
    private readonly maxSpareBytes: number,
  ) {}

  /** Segment `seq`'s file. */
  path(seq: number): string {
    return join(this.dir, `wal-${String(seq).padStart(10, '0')}.jsonl`);
  }

  /** The segments already in the directory (made if missing), oldest first; throws if the directory is not usable. */
  existing(): number[] {
    mkdirSync(this.dir, { recursive: true });
    rmSync(join(this.dir, SPARE), { force: true }); // an earlier process's spare holds nothing
    const names = readdirSync(this.dir);
    this.dirReady = true;
    const seqs = names.flatMap((f) => {
      const m = this.pattern.exec(f);
      return m ? [Number(m[1])] : [];
    });
    return seqs.sort((a, b) => a - b);
  }

  /**
   * Writes `data` at byte `at` of segment `seq`; on disk when it resolves (a new segment's directory entry too). On
   * failure the file is closed and the error rethrown; the segment should take no more writes (what a torn write
   * left after `at` is not a whole line, or is one the recovery may send again: sinks dedupe by event id).
   */
  async append(seq: number, data: Buffer, at: number): Promise<void> {
    try {
      const handle = await this.handleFor(seq);
      for (let done = 0; done < data.length; ) done += (await handle.write(data, done, data.length - done, at + done)).bytesWritten;
      if (!DSYNC) await handle.datasync();
      if (this.current) this.current.end = Math.max(this.current.end, at + data.length);
    } catch (err) {
      await this.closeCurrent();
      this.dirReady = false;
      throw err;
    }
  }

  /** Closes the open segment if it is `seq`; without `seq`, every file (the WAL is closing). */
  async close(seq?: number): Promise<void> {
    if (seq !== undefined) {
      if (this.current?.seq === seq) await this.closeCurrent();
      return;
    }
    this.closed = true;
    await this.closeCurrent();
    const spare = this.spare;
    this.spare = undefined;
    await spare?.handle.close().catch(() => undefined);
  }

  private async closeCurrent(): Promise<void> {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    this.lastSegmentBytes = current.end;
    await current.handle.close().catch(() => undefined);
  }

  private async handleFor(seq: number): Promise<FileHandle> {
    if (this.current?.seq === seq) return this.current.handle;
    await this.closeCurrent();
    if (!this.dirReady) {
      await mkdir(this.dir, { recursive: true });
      this.dirReady = true;
    }
    const path = this.path(seq);
    const spare = this.spare;
    this.spare = undefined;
    let handle: FileHandle;
    if (spare) {
      handle = spare.handle;
      await rename(join(this.dir, SPARE), path).catch(async (err: unknown) => {
        await handle.close().catch(() => undefined);
        throw err;
      });
    } else handle = await open(path, FLAGS);
    this.current = { seq, handle, end: 0 };
    await this.syncDir();
    void this.makeSpare();
    return handle;
  }

  /** Makes the next segment's file ahead of time (in the background; a segment started meanwhile gets a plain file). */
  private async makeSpare(): Promise<void> {
    if (this.makingSpare || this.spare || this.closed) return;
    this.makingSpare = true;
    const bytes = Math.min(this.maxSpareBytes, Math.max(SPARE_MIN_BYTES, Math.ceil((2 * this.lastSegmentBytes) / PAGE) * PAGE));
    let handle: FileHandle | undefined;
    try {
      handle = await open(join(this.dir, SPARE), FLAGS | constants.O_TRUNC);
      const zeros = Buffer.alloc(bytes);
      for (let done = 0; done < bytes; ) done += (await handle.write(zeros, done, bytes - done, done)).bytesWritten;
      if (!DSYNC) await handle.datasync();
      if (this.closed) await handle.close();
      else this.spare = { handle, bytes };
    } catch {
      // No spare: the next segment starts as a plain file (slower commits, same guarantees).
      await handle?.close().catch(() => undefined);
    } finally {
      this.makingSpare = false;
    }
  }

  private async syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } catch {
      // Some file systems cannot fsync a directory; the file's own data is synced regardless.
    } finally {
      await dir.close();
    }
  }
}
