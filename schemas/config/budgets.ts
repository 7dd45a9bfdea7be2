// `helix_settings.budgets` (spend limits: per key from the key store, per user, per team, global) and
// `helix_settings.cost_optimization` (model swapping, intelligent routing, budget alerts — the seed's vocabulary).
// One TypeBox schema gives the TypeScript type, the validator and the defaults. Money is in USD; durations use
// LiteLLM's `budget_duration` forms (`30s`, `12h`, `1d`, `7d`, `1mo`) plus `daily` / `weekly` / `monthly`.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Opt = Type.Optional;

export const Budget = Type.Object(
  {
    max_budget: Type.Number({ minimum: 0, description: 'USD per period (hard limit).' }),
    /** Unset = a lifetime budget (never resets), like a LiteLLM key without budget_duration. */
    budget_duration: Opt(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const BudgetSettings = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Redis key prefix of spend counters, reservations and the ledger's idempotency marks. */
    redis_prefix: Type.String({ minLength: 1, default: 'helix:budget:' }),
    /**
     * Redis unreachable while a request has a budget: `false` (default) refuses with 429 budget_exceeded and
     * Retry-After (no spend the ledger could not account for), `true` serves without the check.
     */
    fail_open: Type.Boolean({ default: false }),
    redis_timeout_ms: Type.Integer({ minimum: 1, default: 1000 }),
    /** A reservation not settled within this time is dropped (its gateway died mid-request). Default: the router timeout. */
    reservation_ttl_seconds: Opt(Type.Integer({ minimum: 1 })),
    /** A settled cost waits this long for the ledger to book it (covers a ledger outage; then it is dropped). */
    pending_ttl_seconds: Type.Integer({ minimum: 1, default: 86_400 }),
    /**
     * Ledger idempotency: an event delivered again within this window is never charged twice (Kafka redelivery after
     * a crash, a gateway re-sending its spool after an outage). One mark of ~100 bytes per event: 7 days of
     * 1M requests/day ≈ 700 MB of Redis; lower it for high volumes (it must exceed your longest Kafka outage).
     */
    dedupe_ttl_seconds: Type.Integer({ minimum: 60, default: 7 * 86_400 }),
    /** Output tokens reserved when a request sets no max_tokens and its model_info no max_output_tokens. */
    default_max_tokens: Type.Integer({ minimum: 1, default: 4096 }),
    /** Optional budget over all traffic. */
    global: Opt(Budget),
    /** team id → budget, shared by every key of the team. */
    teams: Type.Record(Type.String(), Budget, { default: {} }),
    /** user id → budget (the key's user_id, or the JWT user). */
    users: Type.Record(Type.String(), Budget, { default: {} }),
  },
  { additionalProperties: false, default: {} },
);

export const SwapConditions = Type.Object(
  {
    /** The prompt (OpenAI token count) is at most this long. */
    max_prompt_tokens: Opt(Type.Integer({ minimum: 1 })),
    /** The request is "simple": no tools, no images/audio, no JSON schema, at most `max_messages` messages. */
    simple: Opt(Type.Boolean()),
    max_messages: Opt(Type.Integer({ minimum: 1 })),
    /** The key (or its team/user) has used more than this fraction of its budget (0.8 = 80 %). */
    budget_used_above: Opt(Type.Number({ minimum: 0, maximum: 10 })),
    /** UTC hours, `22-06` = from 22:00 to 05:59 (wraps midnight). */
    hours_utc: Opt(Type.String({ pattern: '^\\d{1,2}-\\d{1,2}$' })),
  },
  { additionalProperties: false },
);

export const SwapRule = Type.Object(
  {
    name: Opt(Type.String()),
    /** Model group the client asked for (as in model_list). */
    from: Type.String({ minLength: 1 }),
    /** Cheaper model group to serve instead. */
    to: Type.String({ minLength: 1 }),
    /** All given conditions must hold. */
    when: SwapConditions,
  },
  { additionalProperties: false },
);

export const CostOptimizationSettings = Type.Object(
  {
    model_swapping: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        rules: Type.Array(SwapRule, { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * Automatic swaps without rules: a short, simple prompt goes to the cheapest configured model of the same family
     * (gpt-4o → gpt-4o-mini, claude-3-5-sonnet → claude-3-5-haiku). `families` pins the target per model.
     */
    intelligent_routing: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        max_prompt_tokens: Type.Integer({ minimum: 1, default: 256 }),
        max_messages: Type.Integer({ minimum: 1, default: 4 }),
        families: Type.Record(Type.String(), Type.String(), { default: {} }),
      },
      { additionalProperties: false, default: {} },
    ),
    budget_alerts: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Fractions of a budget whose crossing emits a budget-alert event (1.0 = the hard limit). */
        thresholds: Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 10 }), { default: [0.5, 0.8, 1] }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

/** Spread into HelixSettings: mounts both sections with their defaults. */
export const LEDGER_SETTINGS = { budgets: BudgetSettings, cost_optimization: CostOptimizationSettings };

export type Budget = Static<typeof Budget>;
export type BudgetSettings = Static<typeof BudgetSettings>;
export type SwapConditions = Static<typeof SwapConditions>;
export type SwapRule = Static<typeof SwapRule>;
export type CostOptimizationSettings = Static<typeof CostOptimizationSettings>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<unknown> ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

function withDefaults<T>(schema: Parameters<typeof Value.Default>[0], section: string, partial: unknown): T {
  const value = Value.Default(schema, Value.Clone(partial ?? {}));
  const errors = [...Value.Errors(schema, value)].slice(0, 5);
  if (errors.length) throw new Error(`invalid helix_settings.${section}: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`);
  return value as T;
}

/** Defaults filled in, validated (for tests and callers that read the section from an untyped tree). */
export function budgetSettings(partial: DeepPartial<BudgetSettings> = {}): BudgetSettings {
  return withDefaults<BudgetSettings>(BudgetSettings, 'budgets', partial);
}

export function costOptimizationSettings(partial: DeepPartial<CostOptimizationSettings> = {}): CostOptimizationSettings {
  return withDefaults<CostOptimizationSettings>(CostOptimizationSettings, 'cost_optimization', partial);
}
