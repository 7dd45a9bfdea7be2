// The teams, users, customers (end users) and tags a request falls under, looked up once per request through the
// entity cache, and what they allow: a blocked one refuses the request, their allowed models restrict it (their rate
// limits and budgets are applied by gateway/limits and gateway/budgets from the same records).
//
// Blocked: a customer (end user) gets LiteLLM's answer — 400 "User blocked from making LLM API Calls. User=<id>" —
// so LiteLLM clients see what they expect; a blocked team, user or tag gets 403 (permission_error).
import { logger } from '../../lib/logger.ts';
import type { EntityKind, EntityRecord, EntityReader, EntityRef, RequestEntities } from '../../core/governance/entities.ts';
import type { GovernanceStore } from '../../core/governance/store.ts';
import type { BudgetSettings } from '../../schemas/config/budgets.ts';
import { assertEntitiesAllowModel } from '../auth/model-access.ts';
import { GatewayError } from '../errors.ts';
import { EntityCache, type EntityCacheOptions } from './entity-cache.ts';

/** What names the entities of a request: the caller's team and user, the request's end user and tags. */
export interface Subjects {
  teamId: string;
  userId: string;
  endUser: string;
  tags: readonly string[];
}

export interface Governance {
  /** The records of a request's subjects: undefined when it names none (no lookup) or none exists. */
  resolve(subjects: Subjects): Promise<RequestEntities | undefined>;
  /** Throws when a record blocks the request or does not allow `model`. */
  admit(entities: RequestEntities, model: string | undefined): void;
}

export interface GovernanceDeps {
  /** The entity cache (gateway/governance/entity-cache.ts) over the store. */
  entities: EntityReader;
  /** Store unreachable and no copy cached: serve without the records (true) or refuse with 429 (false), as budgets do. */
  failOpen: boolean;
}

function refsOf(s: Subjects): EntityRef[] {
  const refs: EntityRef[] = [];
  if (s.teamId) refs.push({ kind: 'team', id: s.teamId });
  if (s.userId) refs.push({ kind: 'user', id: s.userId });
  if (s.endUser) refs.push({ kind: 'customer', id: s.endUser });
  for (const tag of s.tags) refs.push({ kind: 'tag', id: tag });
  return refs;
}

function entitiesOf(refs: EntityRef[], records: Array<EntityRecord | undefined>): RequestEntities | undefined {
  const out: RequestEntities = { tags: [] };
  let found = false;
  refs.forEach((ref, i) => {
    const r = records[i];
    if (!r) return;
    found = true;
    if (ref.kind === 'tag') out.tags.push(r);
    else out[ref.kind] = r;
  });
  return found ? out : undefined;
}

/** LiteLLM's words for a blocked team; the route that lifts it. */
const BLOCKED: Record<Exclude<EntityKind, 'customer'>, { name: string; route: string }> = {
  team: { name: 'Team', route: '/team/unblock' },
  user: { name: 'User', route: '/user/update' },
  tag: { name: 'Tag', route: '/tag/update' },
};

function assertNotBlocked(e: RequestEntities): void {
  if (e.customer?.blocked) throw new GatewayError('invalid_request', `User blocked from making LLM API Calls. User=${e.customer.id}`);
  for (const r of [e.team, e.user, ...e.tags]) {
    if (!r?.blocked) continue;
    const { name, route } = BLOCKED[r.kind as Exclude<EntityKind, 'customer'>];
    throw new GatewayError('forbidden', `${name}=${r.id} is blocked. Update via \`${route}\` if you're an admin.`);
  }
}

export function createGovernance(deps: GovernanceDeps): Governance {
  let lastLog = 0;

  function unavailable(err: unknown): undefined {
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      logger.warn({ err: (err as Error)?.message, failOpen: deps.failOpen }, 'governance: entity store unreachable');
    }
    if (deps.failOpen) return undefined;
    throw new GatewayError('budget_exceeded', 'Budgets cannot be checked right now (budget store unavailable). Please retry shortly.', { retryAfterSeconds: 1 });
  }

  return {
    async resolve(subjects) {
      const refs = refsOf(subjects);
      if (refs.length === 0) return undefined;
      let records: Array<EntityRecord | undefined>;
      try {
        records = await deps.entities.getMany(refs);
      } catch (err) {
        return unavailable(err);
      }
      return entitiesOf(refs, records);
    },

    admit(entities, model) {
      assertNotBlocked(entities);
      if (model !== undefined) assertEntitiesAllowModel(entities, model);
    },
  };
}

/**
 * The gateway's governance over the entity store: reads through a cache that every change announced on the store's
 * channel clears at once, bounded by the budgets' Redis timeout and following their fail_open rule.
 */
export function gatewayGovernance(store: GovernanceStore, budgets: BudgetSettings, cacheOptions: EntityCacheOptions = {}): Governance {
  const cache = new EntityCache({ getMany: (refs) => store.getMany(refs, budgets.redis_timeout_ms) }, cacheOptions);
  void store.subscribe((ref) => cache.invalidate(ref));
  return createGovernance({ entities: cache, failOpen: budgets.fail_open || !budgets.enabled });
}
