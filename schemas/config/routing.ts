// `router_settings.routing_strategy`: the strategies Helix implements (gateway/routing/strategies.ts), and what each
// other name LiteLLM accepts becomes, so a LiteLLM config loads with one warning instead of failing.
import { Type } from '@sinclair/typebox';

export const HELIX_ROUTING_STRATEGIES = ['simple-shuffle', 'least-busy', 'latency-based-routing', 'usage-based-routing'] as const;
export type HelixRoutingStrategy = (typeof HELIX_ROUTING_STRATEGIES)[number];

export const RoutingStrategy = Type.Union(HELIX_ROUTING_STRATEGIES.map((s) => Type.Literal(s)), { default: 'simple-shuffle' });

/** LiteLLM's other strategy names → the Helix strategy used instead; `exact` when it is the same idea. */
export const LITELLM_ROUTING_STRATEGIES: Readonly<Record<string, { use: HelixRoutingStrategy; exact: boolean }>> = {
  // LiteLLM's Redis-backed rewrite of usage-based routing; Helix's usage-based routing is shared the same way.
  'usage-based-routing-v2': { use: 'usage-based-routing', exact: true },
  'cost-based-routing': { use: 'simple-shuffle', exact: false },
  lar1: { use: 'simple-shuffle', exact: false },
};

/** Every name a config may write. */
export const ANY_ROUTING_STRATEGY = Type.Union([...HELIX_ROUTING_STRATEGIES, ...Object.keys(LITELLM_ROUTING_STRATEGIES)].map((s) => Type.Literal(s)));
