// Key material: random base62 secrets, their SHA-256 hashes (the only form that is stored) and expiry parsing.
import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'sk-helix-';
const SECRET_LENGTH = 40; // base62 → ~238 bits
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniformly random base62 string (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(Math.ceil((length - out.length) * 1.3) + 4)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A new virtual key: `sk-helix-<40 base62>`. Shown once; only its hash is kept. */
export function generateSecret(): string {
  return `${KEY_PREFIX}${randomBase62(SECRET_LENGTH)}`;
}

/** A new public key id (stable across rotations, safe to log and to put in events). */
export function generateKeyId(): string {
  return `key_${randomBase62(20)}`;
}

/** SHA-256 hex of the full key string (LiteLLM hashes the same way). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export const isKeyHash = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);

/** What a listing may show of a key: its prefix and last four characters. */
export function keyDisplayName(key: string): string {
  const prefix = key.startsWith(KEY_PREFIX) ? KEY_PREFIX : key.slice(0, 3);
  return `${prefix}...${key.slice(-4)}`;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, mo: 2_592_000_000, y: 31_536_000_000 };

/** `30s`, `15m`, `12h`, `30d`, `2w`, `1mo`, `1y` → milliseconds; undefined if not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w|mo|y)\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/**
 * Expiry given as a duration from now (`30d`) or an ISO-8601 timestamp → ISO timestamp.
 * Throws a readable error for anything else.
 */
export function parseExpires(value: string, now: number = Date.now()): string {
  const ms = parseDuration(value);
  if (ms !== undefined) return new Date(now + ms).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw new Error(`"${value}" is neither a duration (e.g. 30d, 12h, 15m) nor an ISO-8601 date`);
}
