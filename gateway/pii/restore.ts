// Mask-and-restore, response side: put the originals back where the model echoed placeholders — in whole texts,
// in streams whose chunks split a placeholder, and inside JSON (tool-call arguments), where the original must be
// JSON-escaped. A stream restorer holds back at most one partial placeholder (< the longest placeholder's length).
import { PLACEHOLDER_PATTERN, type PiiVault } from './vault.ts';

export interface StreamRestorer {
  /** Restored text that is safe to emit now (may be shorter than the input: a partial placeholder is held). */
  push(chunk: string): string;
  /** Emits whatever is still held back (end of stream). */
  flush(): string;
}

export interface Restorer {
  /** Restores placeholders in plain text (message content). */
  restoreText(text: string): string;
  /** Restores placeholders in JSON text (tool-call `arguments`, `partial_json`): originals are JSON-escaped. */
  restoreJsonString(json: string): string;
  /** Restores placeholders in every string of a parsed value (Anthropic `tool_use.input`); returns a new value. */
  restoreDeep<T>(value: T): T;
  /** A restorer for one stream of deltas (one per choice and per tool call: they interleave). */
  stream(options?: { json?: boolean }): StreamRestorer;
}

/** JSON string-literal body for a value (no surrounding quotes). */
const jsonEscape = (value: string): string => JSON.stringify(value).slice(1, -1);

export function createRestorer(vault: PiiVault): Restorer {
  const replace = (text: string, json: boolean): string => {
    if (vault.size === 0 || text.indexOf('<') === -1) return text;
    return text.replace(PLACEHOLDER_PATTERN, (placeholder) => {
      const original = vault.original(placeholder);
      if (original === undefined) return placeholder;
      return json ? jsonEscape(original) : original;
    });
  };

  const isPlaceholderPrefix = (tail: string): boolean => {
    for (const p of vault.placeholders()) if (p.startsWith(tail)) return true;
    return false;
  };

  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return replace(value, false);
    if (Array.isArray(value)) return value.map(deep);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, deep(v)]));
    }
    return value;
  };

  return {
    restoreText: (text) => replace(text, false),
    restoreJsonString: (json) => replace(json, true),
    restoreDeep: <T>(value: T): T => (vault.size === 0 ? value : (deep(value) as T)),
    stream(options = {}) {
      const json = options.json ?? false;
      let held = '';
      return {
        push(chunk: string): string {
          let text = held + chunk;
          held = '';
          if (vault.size === 0) return text;
          // Only the last '<' can open an unfinished placeholder (placeholders contain no other '<').
          const lt = text.lastIndexOf('<');
          if (lt !== -1 && text.length - lt < vault.maxPlaceholderLength && text.indexOf('>', lt) === -1 && isPlaceholderPrefix(text.slice(lt))) {
            held = text.slice(lt);
            text = text.slice(0, lt);
          }
          return replace(text, json);
        },
        flush(): string {
          const rest = held;
          held = '';
          return rest;
        },
      };
    },
  };
}
