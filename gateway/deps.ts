// Everything the gateway is built from: the pipeline's dependencies plus auth, limits, keys, health and metrics.
// gateway/main.ts builds it once; tests build their own.
import type { HelixConfig } from '../lib/config.ts';
import type { TopicId } from '../schemas/topics.ts';
import type { Auth } from './auth/authenticate.ts';
import type { KeyStore } from '../core/keys/key-store.ts';
import type { Limits } from './limits/rate-limits.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { PipelineDeps } from './pipeline/deps.ts';
import type { HealthProbe } from './routes/health.ts';
import type { SpendLookup } from '../core/governance/entities.ts';
import type { GovernanceStore } from '../core/governance/store.ts';

export interface GatewayDeps extends PipelineDeps {
  config: HelixConfig;
  health: HealthProbe;
  metrics?: GatewayMetrics;
  auth?: Auth;
  limits?: Limits;
  keyStore?: KeyStore;
  /** Fire-and-forget publishing of non-request events (audit). */
  publish?: (topic: TopicId, key: string, value: unknown) => void;
  /** Spend to date from the ledger (the admin /…/info routes). */
  spend?: SpendLookup;
  /** Teams, users, customers and tags (the admin /team/*, /user/*, /customer/*, /tag/* routes). */
  governanceStore?: GovernanceStore;
}
