// Kafka refuses records above the broker's message limit (1 MiB by default), and the event bus delivers in order: one
// event that can never be produced would hold up every event behind it. So events are capped well below that limit,
// their longest strings cut first; an event that still does not fit is dead-lettered (see event-dead-letter.ts).

/** Largest event (key + JSON value, in bytes) the event bus sends; bigger ones are truncated or dead-lettered. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Strings are never cut below this many chars, so ids, types and timestamps stay whole. */
const KEEP_CHARS = 64;

/** Rounds of cutting before giving up (one is enough unless escaping makes strings much bigger as JSON). */
const MAX_ROUNDS = 4;

/** Ends a truncated string, so readers see it was cut and by how much. */
export const truncationMark = (removedChars: number): string => `…[truncated ${removedChars} chars]`;

/** Generous bound on what one mark adds to the JSON (the ellipsis is 3 bytes in UTF-8). */
const MARK_BYTES = truncationMark(Number.MAX_SAFE_INTEGER).length + 2;

/** What a message's key and value take as UTF-8, the size Kafka limits. */
export function messageBytes(message: { key: string; value: string }): number {
  return Buffer.byteLength(message.key, 'utf8') + Buffer.byteLength(message.value, 'utf8');
}

export interface FittedJson {
  json: string;
  /** How many strings were cut (0: the JSON already fit). */
  truncatedFields: number;
}

interface StringLeaf {
  parent: Record<string, unknown> | unknown[];
  at: string | number;
  original: string;
  kept: number;
}

/** Every string value under `holder`, walked without recursion (client input can nest deeply). */
function stringLeaves(holder: Record<string, unknown>): StringLeaf[] {
  const leaves: StringLeaf[] = [];
  const stack: Array<Record<string, unknown> | unknown[]> = [holder];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [at, value] of entries) {
      if (typeof value === 'string') leaves.push({ parent: node, at, original: value, kept: value.length });
      else if (value !== null && typeof value === 'object') stack.push(value as Record<string, unknown> | unknown[]);
    }
  }
  return leaves;
}

/** `text` cut to at most `length` UTF-16 units, never between the halves of a surrogate pair. */
function cutAt(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

function setLeaf(leaf: StringLeaf): void {
  const value = leaf.kept < leaf.original.length ? cutAt(leaf.original, leaf.kept) + truncationMark(leaf.original.length - leaf.kept) : leaf.original;
  (leaf.parent as Record<string | number, unknown>)[leaf.at] = value;
}

/**
 * `json` made to take at most `maxBytes` (UTF-8) by cutting its longest strings, each marked with truncationMark; the
 * shape is unchanged. Undefined when it cannot fit: not JSON, nested too deep to rewrite, or too big even with every
 * long string cut.
 */
export function fitJson(json: string, maxBytes: number): FittedJson | undefined {
  if (Buffer.byteLength(json, 'utf8') <= maxBytes) return { json, truncatedFields: 0 };
  try {
    return cutToFit(json, maxBytes);
  } catch {
    return undefined; // JSON.parse / JSON.stringify: not JSON, or too deep for the stack
  }
}

function cutToFit(json: string, maxBytes: number): FittedJson | undefined {
  const holder: Record<string, unknown> = { root: JSON.parse(json) };
  const leaves = stringLeaves(holder);
  let size = Buffer.byteLength(json, 'utf8');
  for (let round = 0; round < MAX_ROUNDS && size > maxBytes; round++) {
    // Removing a char removes at least one byte of JSON; a mark adds at most MARK_BYTES.
    let excess = size - maxBytes;
    leaves.sort((a, b) => b.kept - a.kept);
    for (const leaf of leaves) {
      if (excess <= 0 || leaf.kept <= KEEP_CHARS) break;
      const cut = Math.min(leaf.kept - KEEP_CHARS, excess + MARK_BYTES);
      leaf.kept -= cut;
      excess -= cut - MARK_BYTES;
      setLeaf(leaf);
    }
    json = JSON.stringify(holder.root);
    size = Buffer.byteLength(json, 'utf8');
  }
  if (size > maxBytes) return undefined;
  return { json, truncatedFields: leaves.filter((l) => l.kept < l.original.length).length };
}
