// A process-wide, bounded cache of libphonenumber verdicts (valid / not valid). Chat clients resend the whole
// conversation on every turn, so the same numbers are validated again and again, and libphonenumber is slow
// (bench/micro.ts). Keys are SHA-256 digests of a random per-process secret followed by the number, so the cache never
// holds a phone number itself and, without the secret, a key cannot be checked against guessed numbers. (The keys
// are never shown to anyone, so a secret prefix does what an HMAC would; copying the hashed secret's state is
// cheaper than createHmac (bench/micro.ts), and this runs on every scan with a phone-like number.)
import { createHash, randomBytes } from 'node:crypto';

const KEYED = createHash('sha256').update(randomBytes(32));
const MAX_ENTRIES = 4096;
const verdicts = new Map<string, boolean>();
let enabled = true;

/** Verdict for `number` in `region` (undefined: international format), computing and caching it on a miss. */
export function cachedPhoneVerdict(number: string, region: string | undefined, compute: () => boolean): boolean {
  if (!enabled) return compute();
  const key = KEYED.copy().update(region ?? '+').update('\u0000').update(number).digest('base64');
  const hit = verdicts.get(key);
  if (hit !== undefined) {
    // Refresh recency: Map keeps insertion order, so the first key is always the least recently used.
    verdicts.delete(key);
    verdicts.set(key, hit);
    return hit;
  }
  const verdict = compute();
  verdicts.set(key, verdict);
  if (verdicts.size > MAX_ENTRIES) {
    const oldest = verdicts.keys().next();
    if (!oldest.done) verdicts.delete(oldest.value);
  }
  return verdict;
}

/** For benchmarks and tests: measure cold validation, or start from an empty cache. */
export function setPhoneVerdictCache(on: boolean): void {
  enabled = on;
  verdicts.clear();
}
