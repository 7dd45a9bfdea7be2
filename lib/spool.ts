// On-disk overflow for events that Kafka could not take yet: numbered JSONL segments, oldest first.
// A segment is deleted only after every line in it was delivered, so a crash re-sends rather than loses.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface SpooledMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

const SEGMENT_LINES = 5_000;
const segmentName = (seq: number) => `spool-${String(seq).padStart(10, '0')}.jsonl`;

export class DiskSpool {
  private seqs: number[];
  private writeSeq: number;
  private linesInWriteSegment = 0;
  private count = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.seqs = readdirSync(dir)
      .filter((f) => /^spool-\d+\.jsonl$/.test(f))
      .map((f) => Number(f.slice(6, 16)))
      .sort((a, b) => a - b);
    for (const seq of this.seqs) this.count += this.readSegment(seq).length;
    this.writeSeq = (this.seqs.at(-1) ?? 0) + 1;
  }

  get size(): number {
    return this.count;
  }

  append(messages: SpooledMessage[]): void {
    if (messages.length === 0) return;
    if (this.linesInWriteSegment === 0 || this.linesInWriteSegment >= SEGMENT_LINES) this.rollSegment();
    appendFileSync(join(this.dir, segmentName(this.writeSeq)), messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
    this.linesInWriteSegment += messages.length;
    this.count += messages.length;
  }

  /** The oldest segment's messages, or undefined when the spool is empty. */
  peekOldest(): { seq: number; messages: SpooledMessage[] } | undefined {
    const seq = this.seqs[0];
    if (seq === undefined) return undefined;
    if (seq === this.writeSeq) this.linesInWriteSegment = SEGMENT_LINES; // stop appending to a segment being drained
    return { seq, messages: this.readSegment(seq) };
  }

  /** Called once every message of that segment is in Kafka. */
  acknowledge(seq: number, delivered: number): void {
    rmSync(join(this.dir, segmentName(seq)), { force: true });
    this.seqs = this.seqs.filter((s) => s !== seq);
    this.count -= delivered;
  }

  private rollSegment(): void {
    this.writeSeq = Math.max(this.writeSeq, (this.seqs.at(-1) ?? 0) + 1);
    if (this.seqs.includes(this.writeSeq)) this.writeSeq += 1;
    this.seqs.push(this.writeSeq);
    this.linesInWriteSegment = 0;
  }

  private readSegment(seq: number): SpooledMessage[] {
    const file = join(this.dir, segmentName(seq));
    try {
      if (statSync(file).size === 0) return [];
    } catch {
      return [];
    }
    // A torn last line (crash mid-append), or any line that is not a message, is skipped rather than poisoning the
    // whole segment.
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          const message = JSON.parse(line) as unknown;
          return isSpooledMessage(message) ? [message] : [];
        } catch {
          return [];
        }
      });
  }
}

function isSpooledMessage(value: unknown): value is SpooledMessage {
  const m = value as Partial<SpooledMessage> | null;
  return typeof m === 'object' && m !== null && typeof m.topic === 'string' && typeof m.key === 'string' && typeof m.value === 'string';
}
