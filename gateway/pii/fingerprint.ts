// Keyed fingerprints of detected values: HMAC-SHA256(secret, normalized value), hex, 32 chars. Lets incident
// analytics correlate repeat leaks of the same secret without storing it; without the key nobody can confirm
// a guess. Values are normalized so "4111 1111 …", "4111-1111-…" and "４１１１ １１１１ …" fingerprint alike.
import { createHmac, randomBytes, type KeyObject, createSecretKey } from 'node:crypto';
import { foldForMatching } from './normalize.ts';
import type { FindingEntity } from './types.ts';

export const FINGERPRINT_LENGTH = 32;

export function normalizeForFingerprint(entity: FindingEntity, original: string): string {
  const value = foldForMatching(original);
  switch (entity) {
    case 'EMAIL_ADDRESS':
    case 'DENYLIST':
      return value.toLowerCase();
    case 'PHONE_NUMBER':
    case 'CREDIT_CARD':
    case 'US_SSN':
      return value.replace(/\D/g, '');
    case 'IBAN_CODE':
      return value.replace(/\s/g, '').toUpperCase();
    case 'IP_ADDRESS':
      return value.toLowerCase();
    default:
      return value;
  }
}

export function fingerprint(key: KeyObject, entity: FindingEntity, value: string): string {
  return createHmac('sha256', key).update(normalizeForFingerprint(entity, value)).digest('hex').slice(0, FINGERPRINT_LENGTH);
}

// Used when no secret is configured: fingerprints are then stable for the life of the process only.
let ephemeral: KeyObject | undefined;

export function fingerprintKey(secret: string | undefined): { key: KeyObject; source: 'configured' | 'ephemeral' } {
  if (secret !== undefined && secret.length > 0) return { key: createSecretKey(Buffer.from(secret, 'utf8')), source: 'configured' };
  ephemeral ??= createSecretKey(randomBytes(32));
  return { key: ephemeral, source: 'ephemeral' };
}
