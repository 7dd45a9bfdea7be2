// `litellm_settings`: the LiteLLM settings Helix honours. Every other key of the section is kept and reported as
// not used (docs/config.md). Where LiteLLM also accepts a setting in `router_settings` or Helix has its own place
// for it, the config loader copies it there unless that place is set (spec-keys.ts, LITELLM_SETTINGS_ALIASES).
import { Type, type Static } from '@sinclair/typebox';

const Opt = Type.Optional;

/**
 * Schema option of a LiteLLM section: LiteLLM's own keys that are a letter or two from a key Helix reads
 * (`callbacks` / `fallbacks`). They are listed as not used, never with a "did you mean" (lib/config/normalise.ts).
 */
export const LITELLM_OWN_KEYS = 'x-litellm-own-keys';

/** `[{ model-group: [fallback-group, …] }, …]`, LiteLLM's shape for every kind of fallback. */
export const FallbackList = Type.Array(Type.Record(Type.String(), Type.Array(Type.String())));

export const LitellmSettings = Type.Object(
  {
    /** LiteLLM's response cache on or off; → helix_settings.semantic_cache.enabled (Helix's cache is on by default). */
    cache: Opt(Type.Boolean()),
    /** Budget (USD) of every end user (the request's `user` field) without a budget of their own. */
    max_end_user_budget: Opt(Type.Number({ minimum: 0 })),
    /** → router_settings.num_retries */
    num_retries: Opt(Type.Integer({ minimum: 0 })),
    /** Seconds; → router_settings.timeout */
    request_timeout: Opt(Type.Number({ exclusiveMinimum: 0 })),
    /** → router_settings.fallbacks, context_window_fallbacks, content_policy_fallbacks */
    fallbacks: Opt(FallbackList),
    context_window_fallbacks: Opt(FallbackList),
    content_policy_fallbacks: Opt(FallbackList),
    /** The proxy's global budget (USD) and its period; → helix_settings.budgets.global */
    max_budget: Opt(Type.Number({ minimum: 0 })),
    budget_duration: Opt(Type.String({ minLength: 1 })),
  },
  {
    additionalProperties: true,
    default: {},
    [LITELLM_OWN_KEYS]: ['callbacks', 'max_fallbacks', 'max_internal_user_budget', 'max_user_budget', 'max_end_user_budget_id'],
  },
);

export type LitellmSettings = Static<typeof LitellmSettings>;

/** LiteLLM's callback settings; Helix acts on one name in them, "otel" (OpenTelemetry export, docs/telemetry.md). */
export const LITELLM_CALLBACK_KEYS = ['callbacks', 'success_callback', 'failure_callback'] as const;

/** Whether a callback setting's value names the "otel" callback. */
export function namesOtelCallback(value: unknown): boolean {
  const names = Array.isArray(value) ? value : [value];
  return names.some((n) => typeof n === 'string' && n.trim().toLowerCase() === 'otel');
}

/** LiteLLM turns OpenTelemetry on by naming the "otel" callback in any of its callback settings. */
export function litellmAsksForOtel(litellmSettings: unknown): boolean {
  if (!litellmSettings || typeof litellmSettings !== 'object') return false;
  const settings = litellmSettings as Record<string, unknown>;
  return LITELLM_CALLBACK_KEYS.some((key) => namesOtelCallback(settings[key]));
}
