// A virtual key as stored (never its secret) and its settable fields: what /key/generate and /key/update may change,
// validated and applied onto a record.
import { KeyStoreError } from './key-store-error.ts';
import { parseDuration } from '../budgets/periods.ts';
import { parseExpires } from './secrets.ts';

/** A virtual key as stored (never contains the secret). */
export interface KeyRecord {
  key_id: string;
  /** SHA-256 hex of the secret (LiteLLM calls it `token`). */
  key_hash: string;
  /** Display form: `sk-helix-...abcd`. */
  key_name: string;
  key_alias?: string;
  user_id?: string;
  team_id?: string;
  /** Allowed models; empty = all. Entries may end in `*` (prefix match). */
  models: string[];
  rpm_limit?: number;
  tpm_limit?: number;
  max_budget?: number;
  budget_duration?: string;
  /** ISO-8601; absent = never expires. */
  expires?: string;
  metadata: Record<string, unknown>;
  blocked: boolean;
  created_at: string;
  updated_at: string;
  created_ms: number;
  created_by?: string;
  rotated_at?: string;
  rotation_count: number;
}

/** Settable fields. `null` clears a field; `expires` takes a duration (`30d`) or an ISO date. */
export interface KeySettings {
  key_alias?: string | null;
  user_id?: string | null;
  team_id?: string | null;
  models?: string[] | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  max_budget?: number | null;
  budget_duration?: string | null;
  expires?: string | null;
  metadata?: Record<string, unknown> | null;
  blocked?: boolean | null;
}

export const SETTABLE_FIELDS = [
  'key_alias',
  'user_id',
  'team_id',
  'models',
  'rpm_limit',
  'tpm_limit',
  'max_budget',
  'budget_duration',
  'expires',
  'metadata',
  'blocked',
] as const satisfies ReadonlyArray<keyof KeySettings>;

export const isExpired = (r: Pick<KeyRecord, 'expires'>, now = Date.now()) => r.expires !== undefined && Date.parse(r.expires) <= now;

/** String fields that are RediSearch TAGs: their values may not contain the separator `|`. */
const TAG_FIELDS = ['key_alias', 'user_id', 'team_id'] as const;

/** Applies settings (validated by the caller's schema) onto a record; `null` clears. Throws 'invalid' on bad values. */
export function applySettings(record: KeyRecord, settings: KeySettings, now: number): void {
  const r = record as unknown as Record<string, unknown>;
  for (const field of SETTABLE_FIELDS) {
    if (!(field in settings)) continue;
    const value = settings[field];
    if (value === undefined) continue;
    if (value === null) {
      if (field === 'models') record.models = [];
      else if (field === 'metadata') record.metadata = {};
      else if (field === 'blocked') record.blocked = false;
      else delete r[field];
      continue;
    }
    if ((TAG_FIELDS as readonly string[]).includes(field)) {
      const s = String(value);
      if (s.includes('|')) throw new KeyStoreError('invalid', `${field} must not contain "|".`);
      if (s === '') delete r[field];
      else r[field] = s;
      continue;
    }
    if (field === 'budget_duration') {
      try {
        parseDuration(String(value));
      } catch (err) {
        throw new KeyStoreError('invalid', (err as Error).message);
      }
      record.budget_duration = String(value);
      continue;
    }
    if (field === 'expires') {
      try {
        record.expires = parseExpires(String(value), now);
      } catch (err) {
        throw new KeyStoreError('invalid', `expires: ${(err as Error).message}`);
      }
      continue;
    }
    if (field === 'models') {
      record.models = [...new Set((value as string[]).map((m) => m.trim()).filter(Boolean))];
      continue;
    }
    r[field] = field === 'metadata' ? structuredClone(value) : value;
  }
}
