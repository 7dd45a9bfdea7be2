// Compares presented secrets with an expected one (the master key) in constant time. Both sides are SHA-256 hashed
// first: timingSafeEqual needs equal lengths, and checking the length first would tell an attacker how long the
// expected secret is.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * A predicate `given === expected`, timed independently of both secrets (the expected digest is computed once).
 * An unset or empty expected secret matches nothing.
 */
export function secretMatcher(expected: string | undefined): (given: string | undefined) => boolean {
  if (!expected) return () => false;
  const want = digest(expected);
  return (given) => given !== undefined && timingSafeEqual(digest(given), want);
}
