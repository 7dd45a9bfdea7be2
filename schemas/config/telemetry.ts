// `helix_settings.telemetry`: OpenTelemetry spans and metrics (GenAI semantic conventions) over OTLP/HTTP, off by
// default (docs/telemetry.md). Fields left unset fall back to OpenTelemetry's own environment variables.
import { Type, type Static } from '@sinclair/typebox';

const Opt = Type.Optional;

export const TelemetrySettings = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Export spans and metrics (also on with litellm_settings.callbacks: ["otel"]).' }),
    endpoint: Opt(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description: 'OTLP/HTTP base URL: /v1/traces and /v1/metrics are appended (a URL ending in /v1/traces is taken as the traces URL). Unset: OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318.',
      }),
    ),
    headers: Type.Record(Type.String({ minLength: 1 }), Type.String(), {
      default: {},
      description: 'Sent with every export (e.g. Authorization for Langfuse); merged over OTEL_EXPORTER_OTLP_HEADERS.',
    }),
    protocol: Opt(Type.Union([Type.Literal('http/protobuf'), Type.Literal('http/json')], { description: 'Unset: OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf.' })),
    service_name: Opt(Type.String({ minLength: 1, maxLength: 256, description: 'Unset: OTEL_SERVICE_NAME, else helix-gateway.' })),
    traces: Type.Boolean({ default: true, description: 'Export spans.' }),
    metrics: Type.Boolean({ default: true, description: 'Export metrics (off for a backend that takes traces only).' }),
    sample_ratio: Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'Share of traces kept; a caller’s traceparent decides for its own trace.' }),
    capture_content: Type.Boolean({
      default: false,
      description: 'Prompts and completions as span events, as they left PII protection (never the originals it replaced).',
    }),
    export_interval_ms: Type.Integer({ minimum: 100, maximum: 600_000, default: 5_000, description: 'How often batched spans and metrics are sent.' }),
    export_timeout_ms: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'One export gives up after this long (its data is dropped and counted).' }),
    max_queue_size: Type.Integer({ minimum: 1, maximum: 100_000, default: 2_048, description: 'Spans waiting for export; past it new spans are dropped and counted.' }),
  },
  { additionalProperties: false, default: {} },
);

export type TelemetrySettings = Static<typeof TelemetrySettings>;
