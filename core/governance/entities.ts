// Who spends, besides keys: teams, users (internal users who own keys), customers (end users: the request's `user`
// field) and tags (request metadata.tags). Each is an entity with the same governable settings — a budget with a
// period, rate limits, allowed models, blocked, metadata — kept in Redis (store.ts) and read by the gateway on the
// request path (budgets, limits, model access) and by the admin API (LiteLLM-compatible shapes).

export type EntityKind = 'team' | 'user' | 'customer' | 'tag';

export const ENTITY_KINDS: readonly EntityKind[] = ['team', 'user', 'customer', 'tag'];

export interface TeamMember {
  user_id: string;
  /** LiteLLM's roles: `admin` may manage the team's keys, `user` may use it. */
  role: 'admin' | 'user';
  /** LiteLLM's member e-mail, kept as given. */
  user_email?: string;
}

/** What every entity can be given: the governable settings. */
export interface EntitySettings {
  alias?: string;
  /** USD per period; absent = no budget. */
  max_budget?: number;
  /** LiteLLM's budget_duration forms (`30s`, `1d`, `1mo`, …); absent = lifetime. */
  budget_duration?: string;
  rpm_limit?: number;
  tpm_limit?: number;
  /** Allowed model groups; empty = all. Entries may end in `*` (prefix match), as on keys. */
  models: string[];
  /** A blocked entity's requests are refused (403). */
  blocked: boolean;
  metadata: Record<string, unknown>;
}

export interface EntityRecord extends EntitySettings {
  kind: EntityKind;
  /** team_id / user_id / customer (end-user) id / tag name. */
  id: string;
  created_at: string;
  updated_at: string;
  /** team: its members. */
  members?: TeamMember[];
  /** user: the teams it belongs to; its e-mail and role (LiteLLM's user_email, user_role). */
  teams?: string[];
  email?: string;
  role?: string;
  /** tag: what it is for. */
  description?: string;
}

export interface EntityRef {
  kind: EntityKind;
  id: string;
}

/** The entities a request falls under, looked up together on the request path. */
export interface RequestEntities {
  team?: EntityRecord | undefined;
  user?: EntityRecord | undefined;
  customer?: EntityRecord | undefined;
  tags: EntityRecord[];
}

/** Spend to date (USD, from the ledger) of a key, team, user, customer or tag: what the `/…/info` routes report. */
export interface SpendLookup {
  spend(scope: { kind: EntityKind | 'key'; id: string }): Promise<number>;
}

/** The request path's read: every entity of a request in one round trip (absent ones are undefined). */
export interface EntityReader {
  getMany(refs: EntityRef[]): Promise<Array<EntityRecord | undefined>>;
}

/** Pub/sub channel on which every change of an entity is announced as `<kind>:<id>`, so gateways drop cached copies. */
export const entityInvalidationChannel = (prefix: string): string => `${prefix}gov:invalidate`;
