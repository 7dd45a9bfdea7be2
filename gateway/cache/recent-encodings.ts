// Encodings of recent prompts, least recently used first, bounded by count and by the bytes their word vectors take
// (a long prompt's word vectors weigh hundreds of kilobytes). The same prompts recur — a query that keeps hitting,
// "continue" in many conversations, a cached prompt that keeps being served — and skip the model; concurrent
// requests for one text share one encoding. Encodings depend on the text only, so they never go stale.
import type { EncodedText } from '../../lib/embedder.ts';

export class RecentEncodings {
  private readonly entries = new Map<string, { encoded: Promise<EncodedText>; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 1024,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  /** The encoding of `text`: remembered, or made by `encode` (failures are forgotten, so the next call retries). */
  get(text: string, encode: (text: string) => Promise<EncodedText>): Promise<EncodedText> {
    const known = this.entries.get(text);
    if (known) {
      this.entries.delete(text);
      this.entries.set(text, known);
      return known.encoded;
    }
    return this.remember(text, encode(text));
  }

  /** Remembered encodings of `texts` (undefined where none), without making any. */
  peek(texts: string[]): Array<Promise<EncodedText> | undefined> {
    return texts.map((t) => this.entries.get(t)?.encoded);
  }

  remember(text: string, encoded: Promise<EncodedText>): Promise<EncodedText> {
    const entry = { encoded, bytes: 0 };
    this.entries.set(text, entry);
    encoded.then(
      (e) => {
        if (this.entries.get(text) !== entry) return;
        entry.bytes = e.wordVectors.byteLength + e.vector.byteLength;
        this.bytes += entry.bytes;
        this.evict();
      },
      () => this.forget(text, entry),
    );
    this.evict();
    return encoded;
  }

  private forget(text: string, entry: { bytes: number }): void {
    if (this.entries.get(text) !== entry) return;
    this.entries.delete(text);
    this.bytes -= entry.bytes;
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || (this.bytes > this.maxBytes && this.entries.size > 1)) {
      const [text, entry] = this.entries.entries().next().value!;
      this.forget(text, entry);
    }
  }
}
