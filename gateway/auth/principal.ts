// The authenticated caller (Principal) and how each kind of credential becomes one: master key, virtual key, JWT.
import type { JwtAuthSettings } from '../../schemas/config/auth.ts';
import type { JwtIdentity } from './jwt.ts';
import type { KeyRecord } from '../../core/keys/key-record.ts';

export type PrincipalKind = 'master' | 'virtual' | 'jwt' | 'anonymous';

/** The authenticated caller. `keyId`/`teamId`/`userId` go into RequestTrace and every event. */
export interface Principal {
  kind: PrincipalKind;
  /** May use the admin API (master key, or a JWT with the configured admin scope). */
  admin: boolean;
  /** Public id: `key_…` for virtual keys, `master`, `jwt:<user>`, '' for anonymous. Never the secret. */
  keyId: string;
  keyHash?: string;
  alias: string;
  userId: string;
  teamId: string;
  /** Allowed models; empty = all. */
  models: string[];
  rpmLimit?: number;
  tpmLimit?: number;
  maxBudget?: number;
  budgetDuration?: string;
  expires?: string;
  metadata: Record<string, unknown>;
}

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous', admin: false, keyId: '', alias: '', userId: '', teamId: '', models: [], metadata: {} }) as Principal;
export const MASTER: Principal = Object.freeze({ kind: 'master', admin: true, keyId: 'master', alias: 'master', userId: '', teamId: '', models: [], metadata: {} }) as Principal;

export function principalFromRecord(r: KeyRecord): Principal {
  return {
    kind: 'virtual',
    admin: false,
    keyId: r.key_id,
    keyHash: r.key_hash,
    alias: r.key_alias ?? '',
    userId: r.user_id ?? '',
    teamId: r.team_id ?? '',
    models: r.models,
    ...(r.rpm_limit !== undefined ? { rpmLimit: r.rpm_limit } : {}),
    ...(r.tpm_limit !== undefined ? { tpmLimit: r.tpm_limit } : {}),
    ...(r.max_budget !== undefined ? { maxBudget: r.max_budget } : {}),
    ...(r.budget_duration !== undefined ? { budgetDuration: r.budget_duration } : {}),
    ...(r.expires !== undefined ? { expires: r.expires } : {}),
    metadata: r.metadata,
  };
}

/** A verified JWT's caller; its rate limits come from the JWT settings (a token carries none). */
export function principalFromJwt(id: JwtIdentity, settings: Pick<JwtAuthSettings, 'rpm_limit' | 'tpm_limit'>): Principal {
  return {
    kind: 'jwt',
    admin: id.admin,
    keyId: `jwt:${id.userId || id.subject}`,
    alias: id.subject,
    userId: id.userId,
    teamId: id.teamId,
    models: id.models,
    ...(settings.rpm_limit !== undefined ? { rpmLimit: settings.rpm_limit } : {}),
    ...(settings.tpm_limit !== undefined ? { tpmLimit: settings.tpm_limit } : {}),
    ...(id.expiresAt ? { expires: id.expiresAt } : {}),
    metadata: {},
  };
}
