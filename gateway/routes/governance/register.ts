// The governance admin routes — teams, users, customers (end users), tags — in LiteLLM's shapes, registered by the
// admin plugin (routes/admin.ts) so its one admin check guards them.
import type { FastifyInstance } from 'fastify';
import type { SpendLookup } from '../../../core/governance/entities.ts';
import type { GovernanceStore } from '../../../core/governance/store.ts';
import type { Auth } from '../../auth/authenticate.ts';
import { createKeyAdmin } from '../../auth/key-admin.ts';
import type { PublishFn } from '../../auth/key-audit.ts';
import type { KeyStore } from '../../../core/keys/key-store.ts';
import { createGovernanceAdmin } from '../../governance/admin.ts';
import { customerAdmin } from '../../governance/customer-admin.ts';
import { tagAdmin } from '../../governance/tag-admin.ts';
import { teamAdmin } from '../../governance/team-admin.ts';
import { userAdmin } from '../../governance/user-admin.ts';
import { customerRoutes } from './customers.ts';
import { tagRoutes } from './tags.ts';
import { teamRoutes } from './teams.ts';
import { userRoutes } from './users.ts';

export interface GovernanceRouteDeps {
  store: GovernanceStore;
  spend?: SpendLookup | undefined;
  auth: Auth;
  /** With it, /team/info and /user/info list keys, /user/new creates one and deleting a team or user deletes its keys. */
  keyStore?: KeyStore | undefined;
  publish: PublishFn;
}

export function governanceRoutes(app: FastifyInstance, deps: GovernanceRouteDeps): void {
  const keys = deps.keyStore ? createKeyAdmin({ store: deps.keyStore, auth: deps.auth, publish: deps.publish }) : undefined;
  const admin = createGovernanceAdmin({ store: deps.store, spend: deps.spend, keyStore: deps.keyStore, keys, publish: deps.publish });
  teamRoutes(app, teamAdmin(admin));
  userRoutes(app, userAdmin(admin, keys));
  customerRoutes(app, customerAdmin(admin));
  tagRoutes(app, tagAdmin(admin));
}
