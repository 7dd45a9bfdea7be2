// Keys written in another vocabulary — the product spec's `helix_settings` examples and LiteLLM's `litellm_settings` —
// and LiteLLM's routing strategy names — and what each means in Helix: it sets Helix settings the file leaves unset (`apply`), or it is accepted with one
// warning saying why Helix does not do what it asks (`unsupported`). docs/config.md has the same table for users.
import { Type, type TSchema } from '@sinclair/typebox';
import { DASHBOARD_SPEC_PORT } from './dashboard.ts';
import { ANY_ROUTING_STRATEGY, HELIX_ROUTING_STRATEGIES, LITELLM_ROUTING_STRATEGIES } from './routing.ts';

/** The config tree before defaults, as the loader lets a key act on it. */
export interface TreeAccess {
  get(path: string): unknown;
  /** Sets `path` (creating sections on the way) unless the file sets it: what the file says explicitly wins. */
  setIfUnset(path: string, value: unknown): void;
}

export interface BorrowedKey {
  /** Dot path in the config file. */
  path: string;
  /** Only for keys no Helix schema declares: the value's schema; the loader validates the key and takes it out. */
  schema?: TSchema;
  apply?(value: unknown, tree: TreeAccess): void;
  /** Why this value asks for something Helix does not do; undefined when Helix does it. */
  unsupported?(value: unknown): string | undefined;
}

const when = (cond: (value: unknown) => boolean, why: string) => (value: unknown) => (cond(value) ? why : undefined);

/** The product spec's keys (../shared/seed/roadmap.md) that are not Helix settings of the same name and meaning. */
export const SPEC_KEYS: readonly BorrowedKey[] = [
  {
    path: 'helix_settings.semantic_cache.max_cache_size',
    schema: Type.Integer({ minimum: 0 }),
    unsupported: when(
      () => true,
      'the cache has no entry count bound: entries expire after semantic_cache.ttl_seconds; bound Redis memory with maxmemory and an LRU eviction policy',
    ),
  },
  {
    // Strict = nothing passes unscanned: a scanner failure refuses the request, and model output is scanned too.
    path: 'helix_settings.pii_protection.strict_mode',
    schema: Type.Boolean(),
    apply(value, tree) {
      if (value !== true) return;
      tree.setIfUnset('helix_settings.pii_protection.on_error', 'block');
      tree.setIfUnset('helix_settings.pii_protection.scan_output', true);
    },
  },
  {
    path: 'helix_settings.pii_protection.log_all_incidents',
    schema: Type.Boolean(),
    unsupported: when((v) => v === false, 'every PII incident is recorded (Kafka, ClickHouse helix.pii_incidents); that cannot be turned off'),
  },
  {
    path: 'helix_settings.cost_optimization.auto_scale',
    schema: Type.Boolean(),
    unsupported: when((v) => v === true, 'Helix does not start processes: run more gateways behind a load balancer, they share limits and budgets in Redis'),
  },
  {
    path: 'helix_settings.analytics.enabled',
    unsupported: when((v) => v === false, 'events always land in ClickHouse; analytics.anomalies.enabled turns anomaly detection off'),
  },
  {
    path: 'helix_settings.analytics.export_s3',
    unsupported: when((v) => typeof v === 'string' && v !== '', 'no S3 export: the events are in ClickHouse, see helix sql'),
  },
  {
    // The dashboard is served under /ui/ on the gateway's port; the spec's separate port asks for a listener it has not.
    path: 'helix_settings.dashboard.port',
    unsupported: when(
      (v) => v !== undefined && v !== DASHBOARD_SPEC_PORT,
      "the dashboard is served under /ui/ on the gateway's own port (HELIX_PORT); dashboard.port is not used",
    ),
  },
];

const alias = (from: string, to: string): BorrowedKey => ({
  path: `litellm_settings.${from}`,
  apply: (value, tree) => value !== undefined && tree.setIfUnset(to, value),
});

/** LiteLLM settings Helix keeps elsewhere: the response cache, router settings, the proxy's global budget. */
export const LITELLM_SETTINGS_ALIASES: readonly BorrowedKey[] = [
  alias('cache', 'helix_settings.semantic_cache.enabled'),
  alias('num_retries', 'router_settings.num_retries'),
  alias('request_timeout', 'router_settings.timeout'),
  alias('fallbacks', 'router_settings.fallbacks'),
  alias('context_window_fallbacks', 'router_settings.context_window_fallbacks'),
  alias('content_policy_fallbacks', 'router_settings.content_policy_fallbacks'),
  {
    path: 'litellm_settings.max_budget',
    apply(value, tree) {
      if (value === undefined) return;
      const duration = tree.get('litellm_settings.budget_duration');
      tree.setIfUnset('helix_settings.budgets.global', { max_budget: value, ...(duration === undefined ? {} : { budget_duration: duration }) });
    },
  },
];

const routingStrategyOf = (name: unknown) => (typeof name === 'string' ? LITELLM_ROUTING_STRATEGIES[name] : undefined);

/** LiteLLM's routing strategies Helix does not implement load as the nearest one it does (config/routing.ts). */
export const LITELLM_ROUTER_KEYS: readonly BorrowedKey[] = [
  {
    path: 'router_settings.routing_strategy',
    schema: ANY_ROUTING_STRATEGY,
    apply: (value, tree) => tree.setIfUnset('router_settings.routing_strategy', routingStrategyOf(value)?.use ?? value),
    unsupported(value) {
      const strategy = routingStrategyOf(value);
      if (!strategy || strategy.exact) return undefined;
      return `Helix routes with ${strategy.use} instead; its strategies are ${HELIX_ROUTING_STRATEGIES.join(', ')}`;
    },
  },
];
