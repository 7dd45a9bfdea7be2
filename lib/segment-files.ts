// Numbered append-only segment files in one directory — the spool's and the write-ahead log's: one open segment at a
// time, appends written whole, a failed append cut back to the last whole line, a new file's directory entry synced.
// Segment `seq` is the file `<prefix><seq, 10 digits>.jsonl`.
import { mkdirSync, readdirSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export class SegmentFiles {
  private openSegment: { seq: number; handle: FileHandle } | undefined;
  private dirReady = false;
  private readonly pattern: RegExp;

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
  ) {
    this.pattern = new RegExp(`^${prefix}(\\d{10})\\.jsonl$`);
  }

  /** Segment `seq`'s file. */
  path(seq: number): string {
    return join(this.dir, `${this.prefix}${String(seq).padStart(10, '0')}.jsonl`);
  }

  /** The segments already in the directory (made if missing), oldest first; throws if the directory is not usable. */
  existing(): number[] {
    mkdirSync(this.dir, { recursive: true });
    const names = readdirSync(this.dir);
    this.dirReady = true;
    const seqs = names.flatMap((f) => {
      const m = this.pattern.exec(f);
      return m ? [Number(m[1])] : [];
    });
    return seqs.sort((a, b) => a - b);
  }

  /**
   * Appends `data` to segment `seq`, whose file holds `sizeBefore` bytes; with `sync`, fdatasync-ed (and, for a new
   * file, its directory entry too). On failure the file is cut back to `sizeBefore` — the next append must not extend
   * a torn line — and closed, and the error rethrown.
   */
  async append(seq: number, data: Buffer, sizeBefore: number, sync: boolean): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await this.handleFor(seq);
      for (let at = 0; at < data.length; ) at += (await handle.write(data, at)).bytesWritten;
      if (sync) await handle.datasync();
      if (sync && sizeBefore === 0) await this.syncDir();
    } catch (err) {
      await handle?.truncate(sizeBefore).catch(() => undefined);
      await this.close();
      this.dirReady = false;
      throw err;
    }
  }

  /** Closes the open segment (only if it is `seq`, when given). */
  async close(seq?: number): Promise<void> {
    const current = this.openSegment;
    if (!current || (seq !== undefined && current.seq !== seq)) return;
    this.openSegment = undefined;
    await current.handle.close().catch(() => undefined);
  }

  private async handleFor(seq: number): Promise<FileHandle> {
    if (this.openSegment?.seq === seq) return this.openSegment.handle;
    await this.close();
    if (!this.dirReady) {
      await mkdir(this.dir, { recursive: true });
      this.dirReady = true;
    }
    const handle = await open(this.path(seq), 'a');
    this.openSegment = { seq, handle };
    return handle;
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
