// What the request pipeline runs on: built once by gateway/main.ts (or a test) and shared by every request.
import type { RedisClient as Redis } from '../../lib/redis.ts';
import type { HelixConfig } from '../../lib/config.ts';
import type { CostControl } from '../budgets/cost-control.ts';
import type { ChatCache } from '../cache/chat-cache.ts';
import type { Governance } from '../governance/governance.ts';
import type { Router } from '../routing/router.ts';
import type { EventSink } from './events.ts';

export interface PipelineDeps {
  config: HelixConfig;
  events: EventSink;
  router: Router;
  /** Prices, budgets, model optimizer. Without it nothing is held or swapped. */
  costControl?: CostControl | undefined;
  cache?: ChatCache | undefined;
  /** Team, user, customer and tag records on the request path (blocked, models, limits, budgets). */
  governance?: Governance | undefined;
  /** The gateway's Redis connection: commands that consecutive stages issue leave in one write. */
  redis?: Redis | undefined;
}
