// The per-request vault of the `restore` action: each distinct value gets a stable placeholder
// (`<EMAIL_ADDRESS_1>`, same value → same placeholder within the request) and the vault remembers the original
// so the response can be restored. Lives only in memory for one request; never log or serialize it.
import type { FindingEntity } from './types.ts';

/** Matches any placeholder this vault issues: `<ENTITY_N>`. */
export const PLACEHOLDER_PATTERN = /<([A-Z][A-Z_]*_\d+)>/g;

export class PiiVault {
  readonly #byValue = new Map<string, string>();
  readonly #byPlaceholder = new Map<string, string>();
  readonly #counters = new Map<FindingEntity, number>();
  #maxLength = 0;

  /** The placeholder standing for `value`, issuing a new one on first sight. */
  placeholderFor(entity: FindingEntity, value: string): string {
    const key = `${entity}\u0000${value}`;
    const known = this.#byValue.get(key);
    if (known !== undefined) return known;
    const n = (this.#counters.get(entity) ?? 0) + 1;
    this.#counters.set(entity, n);
    const placeholder = `<${entity}_${n}>`;
    this.#byValue.set(key, placeholder);
    this.#byPlaceholder.set(placeholder, value);
    this.#maxLength = Math.max(this.#maxLength, placeholder.length);
    return placeholder;
  }

  /** The original value behind a placeholder (`<EMAIL_ADDRESS_1>`), if this vault issued it. */
  original(placeholder: string): string | undefined {
    return this.#byPlaceholder.get(placeholder);
  }

  get size(): number {
    return this.#byPlaceholder.size;
  }

  /** Length of the longest placeholder issued: the most a streaming restorer ever holds back (minus one). */
  get maxPlaceholderLength(): number {
    return this.#maxLength;
  }

  placeholders(): IterableIterator<string> {
    return this.#byPlaceholder.keys();
  }

  /** Keeps originals out of accidental `JSON.stringify(result)` / logger serialization. */
  toJSON(): { placeholders: number } {
    return { placeholders: this.size };
  }
}
