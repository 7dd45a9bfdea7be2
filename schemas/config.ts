// The configuration schema, in one place. The YAML file (HELIX_CONFIG) accepts LiteLLM's proxy config.yaml as-is
// (model_list / router_settings / general_settings / litellm_settings) plus a `helix_settings` section. LiteLLM's
// sections are open (keys Helix does not use are kept and reported once); `helix_settings` is Helix's own vocabulary,
// so an unknown key there is an error (lib/config.ts, docs/config.md).
import { Type, type Static } from '@sinclair/typebox';
import { AuthSettings, LimitSettings } from './config/auth.ts';
import { PiiProtectionSettings } from './config/pii.ts';
import { CacheSettings } from './config/cache.ts';
import { LEDGER_SETTINGS } from './config/budgets.ts';
import { AnalyticsSettings } from './config/analytics.ts';
import { EventsSettings } from './config/events.ts';
import { TelemetrySettings } from './config/telemetry.ts';
import { DashboardSettings } from './config/dashboard.ts';
import { FallbackList, LITELLM_OWN_KEYS, LitellmSettings } from './config/litellm-settings.ts';
import { RoutingStrategy } from './config/routing.ts';

const Num = Type.Number();
const Opt = Type.Optional;

/**
 * Schema option of an open object whose undeclared keys are read by code that knows them (the provider adapters read
 * `litellm_params` by name), so the loader does not report them as unused.
 */
export const UNDECLARED_KEYS_USED = 'x-undeclared-keys-used';

export const LitellmParams = Type.Object(
  {
    model: Type.String({ minLength: 1, description: 'provider/model, e.g. openai/gpt-4o, anthropic/claude-3-5-sonnet, mock/echo' }),
    api_base: Opt(Type.String()),
    api_key: Opt(Type.String()),
    api_version: Opt(Type.String()),
    rpm: Opt(Num),
    tpm: Opt(Num),
    weight: Opt(Num),
    timeout: Opt(Num),
    /** Mock provider knobs (tests, demos): latency and injected failures. */
    mock_latency_ms: Opt(Num),
    mock_fail_status: Opt(Type.Integer()),
    mock_fail_rate: Opt(Num),
    mock_response: Opt(Type.String()),
    input_cost_per_token: Opt(Num),
    output_cost_per_token: Opt(Num),
    cache_read_input_token_cost: Opt(Num),
    /** Vertex AI (LiteLLM's names): project, region, and a service-account JSON (inline or a file path). */
    vertex_project: Opt(Type.String()),
    vertex_location: Opt(Type.String()),
    vertex_credentials: Opt(Type.String()),
    /** AWS Bedrock (LiteLLM's names); without keys the standard AWS credential chain is used. */
    aws_region_name: Opt(Type.String()),
    aws_access_key_id: Opt(Type.String()),
    aws_secret_access_key: Opt(Type.String()),
    aws_session_token: Opt(Type.String()),
  },
  { additionalProperties: true, [UNDECLARED_KEYS_USED]: true },
);

export const ModelEntry = Type.Object(
  {
    model_name: Type.String({ minLength: 1 }),
    litellm_params: LitellmParams,
    model_info: Opt(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true },
);

export const RouterSettings = Type.Object(
  {
    /** Helix's strategies; LiteLLM's other names load as the nearest one, with a warning (config/routing.ts). */
    routing_strategy: RoutingStrategy,
    num_retries: Type.Integer({ minimum: 0, default: 2 }),
    retry_after: Type.Number({ minimum: 0, default: 0 }),
    timeout: Type.Number({ exclusiveMinimum: 0, default: 600 }),
    allowed_fails: Type.Integer({ minimum: 0, default: 3 }),
    cooldown_time: Type.Number({ minimum: 0, default: 30 }),
    fallbacks: { ...FallbackList, default: [] },
    /** Model groups to try when a request is too long for a model's context window (LiteLLM's name). */
    context_window_fallbacks: Type.Optional(FallbackList),
    /** Model groups to try when a provider refuses a request on content policy (LiteLLM's name). */
    content_policy_fallbacks: Type.Optional(FallbackList),
  },
  { additionalProperties: true, default: {}, [LITELLM_OWN_KEYS]: ['callbacks', 'max_fallbacks', 'max_retries', 'routing_strategy_args'] },
);

export const GeneralSettings = Type.Object(
  {
    master_key: Opt(Type.String()),
    dangerously_allow_unauthenticated: Type.Boolean({
      default: false,
      description: 'Without a master key Helix listens on loopback only; true lets it listen on any HELIX_HOST without authentication.',
    }),
    max_request_size_mb: Type.Number({ exclusiveMinimum: 0, default: 10 }),
  },
  { additionalProperties: true, default: {}, [LITELLM_OWN_KEYS]: ['max_response_size_mb'] },
);

export const HelixSettings = Type.Object(
  {
    log_prompts: Type.Boolean({ default: false, description: 'Put raw prompts into request events (off by default).' }),
    events: EventsSettings,
    auth: AuthSettings,
    limits: LimitSettings,
    pii_protection: { ...PiiProtectionSettings, default: {} },
    semantic_cache: { ...CacheSettings, default: {} },
    ...LEDGER_SETTINGS,
    analytics: AnalyticsSettings,
    telemetry: TelemetrySettings,
    dashboard: DashboardSettings,
  },
  { additionalProperties: false, default: {} },
);

export const HelixConfigFile = Type.Object(
  {
    model_list: Type.Array(ModelEntry, { default: [] }),
    router_settings: RouterSettings,
    general_settings: GeneralSettings,
    litellm_settings: LitellmSettings,
    /**
     * LiteLLM's `NAME: value` variables: what the process environment does not set, references in the file
     * (`os.environ/NAME`, `${NAME}`) and the HELIX_* settings read from here (lib/config.ts).
     */
    environment_variables: Opt(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]))),
    helix_settings: HelixSettings,
  },
  { additionalProperties: true },
);

/**
 * LiteLLM's other top-level sections (its proxy server reads these). Helix keeps them unused; they are never taken
 * for a misspelt `helix_settings`, however close the name (`files_settings`).
 */
export const LITELLM_SECTIONS: readonly string[] = [
  'include', 'guardrails', 'credential_list', 'mcp_servers', 'mcp_tools', 'vector_store_registry', 'files_settings',
  'assistant_settings', 'finetune_settings', 'callback_settings', 'pass_through_endpoints', 'search_tools',
  'sandbox_tools', 'prompts', 'policies', 'policy_attachments', 'plugins', 'agents', 'agent_list', 'worker_registry',
];

export type LitellmParams = Static<typeof LitellmParams>;
export type ModelEntry = Static<typeof ModelEntry>;
export type RouterSettings = Static<typeof RouterSettings>;
export type HelixConfigFile = Static<typeof HelixConfigFile>;

/** Process settings that come from the environment (12-factor): where the services are. */
export interface RuntimeEnv {
  port: number;
  host: string;
  kafkaBrokers: string[];
  redisUrl: string;
  clickhouseUrl: string | undefined;
  clickhouseDatabase: string;
  /** HELIX_CLICKHOUSE_CLUSTER: migrations target this cluster of the servers' remote_servers (docs/scale-out.md). */
  clickhouseCluster: string | undefined;
  dataDir: string;
  queryServerUrl: string;
  queryServerPort: number;
  masterKey: string | undefined;
  /** HELIX_DANGEROUSLY_ALLOW_UNAUTHENTICATED or general_settings.dangerously_allow_unauthenticated (lib/listen-host.ts). */
  allowUnauthenticated: boolean;
  topicPrefix: string;
}
