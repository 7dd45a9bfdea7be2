// The key admin API's shapes, LiteLLM-compatible: request bodies and queries → KeySettings / ListFilter, and a
// stored record → the key JSON the API shows (LiteLLM's `token` is the hash; the secret is never part of it).
import { GatewayError } from '../errors.ts';
import { SETTABLE_FIELDS, type KeyRecord, type KeySettings } from '../../core/keys/key-record.ts';
import type { ListFilter } from '../../core/keys/key-store.ts';

/** Settings as a body carries them: LiteLLM's name for `expires` on generate/update is `duration`. */
export type SettingsBody = KeySettings & { duration?: string | null };

export function settingsFrom(body: SettingsBody): KeySettings {
  const out: KeySettings = {};
  for (const f of SETTABLE_FIELDS) if (f in body && body[f] !== undefined) (out as Record<string, unknown>)[f] = body[f];
  if (body.expires === undefined && body.duration !== undefined) out.expires = body.duration;
  return out;
}

export type ListQuery = Record<string, string | undefined>;

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new GatewayError('invalid_request', `${name} must be a positive integer.`, { param: name });
  return n;
}

/** /key/list's query: filters by team, user or alias; 1-based `page` of `size` keys. */
export function listFilterFrom(q: ListQuery): ListFilter {
  const page = positiveInt(q.page, 'page');
  const size = positiveInt(q.size, 'size');
  return {
    ...(q.team_id ? { team_id: q.team_id } : {}),
    ...(q.user_id ? { user_id: q.user_id } : {}),
    ...(q.key_alias ? { key_alias: q.key_alias } : {}),
    ...(page !== undefined ? { page } : {}),
    ...(size !== undefined ? { size } : {}),
  };
}

/** The key as the API shows it. */
export function publicKeyInfo(r: KeyRecord) {
  const { key_hash, created_ms: _ms, ...rest } = r;
  return { token: key_hash, ...rest, key_alias: r.key_alias ?? null, user_id: r.user_id ?? null, team_id: r.team_id ?? null, expires: r.expires ?? null };
}
