// The admin API — /key/*, /cache/*, /v1/helix/optimizer/* — as one encapsulated fastify plugin with one admin check.
// Its onRequest hook runs before body validation, so a caller without admin rights learns nothing but 401 (no or a
// wrong key) or 403 (a valid non-admin key). Being its own context, it runs none of the /v1 proxy hooks (auth,
// limits, request events) and they never run its check. Errors go to the root's handler: OpenAI's shape, no events.
import type { FastifyPluginAsync } from 'fastify';
import type { RedisClient as Redis } from '../../lib/redis.ts';
import type { Auth } from '../auth/authenticate.ts';
import type { KeyStore } from '../../core/keys/key-store.ts';
import type { CostControl } from '../budgets/cost-control.ts';
import type { ChatCache } from '../cache/chat-cache.ts';
import { cacheAdminRoutes } from '../cache/admin-routes.ts';
import type { PublishFn } from '../auth/key-audit.ts';
import { keysRoutes } from './keys.ts';
import { governanceRoutes } from './governance/register.ts';
import type { GovernanceStore } from '../../core/governance/store.ts';
import { optimizerRoutes } from './optimizer.ts';
import { spendRoutes } from './spend.ts';
import type { SpendLookup } from '../../core/governance/entities.ts';
import type { AdminCheck } from '../dashboard/admin-check.ts';

/** The GatewayDeps fields the admin API uses; each group of routes exists only when its dependencies do. */
export interface AdminDeps {
  /** Checks admin rights. Without it there is no admin API at all. */
  auth?: Auth | undefined;
  /** /key/* */
  keyStore?: KeyStore | undefined;
  /** Audit events of /key/* changes. */
  publish?: PublishFn | undefined;
  /** /cache/* (with redis) */
  cache?: ChatCache | undefined;
  redis?: Redis | undefined;
  /** /v1/helix/optimizer/*; its analytics reader serves /spend/* and /global/spend/* */
  costControl?: CostControl | undefined;
  /** Spend to date from the ledger, reported by the /…/info routes. */
  spend?: SpendLookup | undefined;
  /** /team/*, /user/*, /customer/*, /tag/* */
  governanceStore?: GovernanceStore | undefined;
  /** The admin check that also accepts a dashboard session (gateway/dashboard/); default auth.authenticateAdmin. */
  adminCheck?: AdminCheck | undefined;
}

export const adminApi: FastifyPluginAsync<AdminDeps> = async (app, deps) => {
  const { auth, keyStore, cache, redis, costControl } = deps;
  if (!auth) return;

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    request.principal = await (deps.adminCheck ?? auth.authenticateAdmin)(request);
  });

  if (keyStore) keysRoutes(app, { store: keyStore, auth, publish: deps.publish ?? (() => undefined), spend: deps.spend });
  if (cache && redis) cacheAdminRoutes(app, { redis, settings: cache.settings, flushStats: () => cache.flushStats() });
  if (costControl) optimizerRoutes(app, { costControl });
  if (deps.governanceStore) governanceRoutes(app, { store: deps.governanceStore, spend: deps.spend, auth, keyStore, publish: deps.publish ?? (() => undefined) });
  if (costControl?.analytics) spendRoutes(app, { reader: costControl.analytics, keyStore });
};
