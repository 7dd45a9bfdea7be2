// What telemetry runs with: `helix_settings.telemetry`, then OpenTelemetry's environment variables (and LiteLLM's
// OTEL_ENDPOINT / OTEL_HEADERS) for what the file leaves unset. Off unless the file turns it on, in Helix's words
// or LiteLLM's (`litellm_settings.callbacks: ["otel"]`); OTEL_SDK_DISABLED=true turns it off.
import type { HelixConfig } from '../../lib/config.ts';
import { ConfigError } from '../../lib/config.ts';
import { logger } from '../../lib/logger.ts';
import type { TelemetrySettings } from '../../schemas/config/telemetry.ts';
import { litellmAsksForOtel } from '../../schemas/config/litellm-settings.ts';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface ResolvedTelemetry {
  /** Undefined: that signal is not exported. */
  tracesUrl: string | undefined;
  metricsUrl: string | undefined;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  serviceName: string;
  sampleRatio: number;
  captureContent: boolean;
  exportIntervalMs: number;
  exportTimeoutMs: number;
  maxQueueSize: number;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';
const TRACES_PATH = '/v1/traces';
const METRICS_PATH = '/v1/metrics';

/** `k1=v1,k2=v2`, values percent-encoded: OTEL_EXPORTER_OTLP_HEADERS (and LiteLLM's OTEL_HEADERS). */
export function parseOtelHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.trim());
      } catch {
        return s.trim();
      }
    };
    const key = decode(pair.slice(0, eq));
    if (key) out[key] = decode(pair.slice(eq + 1));
  }
  return out;
}

/** An OTLP/HTTP URL, checked at start-up: a typo fails the gateway's start, not every export. */
function httpUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${source}: not a URL: ${value.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${source}: OTLP/HTTP needs an http(s) URL, not ${url.protocol}`);
  return value.replace(/\/+$/, '');
}

/** The traces and metrics URLs of a base URL; a URL that already names the traces path keeps it. */
function signalUrls(endpoint: string, source: string): { traces: string; metrics: string } {
  const base = httpUrl(endpoint, source);
  if (base.endsWith(TRACES_PATH)) return { traces: base, metrics: `${base.slice(0, -TRACES_PATH.length)}${METRICS_PATH}` };
  return { traces: `${base}${TRACES_PATH}`, metrics: `${base}${METRICS_PATH}` };
}

function protocolOf(configured: OtlpProtocol | undefined, env: NodeJS.ProcessEnv): OtlpProtocol {
  if (configured) return configured;
  const fromEnv = env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim();
  if (fromEnv && fromEnv !== 'http/json' && fromEnv !== 'http/protobuf') logger.warn({ protocol: fromEnv }, 'telemetry: OTEL_EXPORTER_OTLP_PROTOCOL is not http/protobuf or http/json; using http/protobuf');
  return fromEnv === 'http/json' ? 'http/json' : 'http/protobuf';
}

/** Undefined when telemetry is off. Throws a ConfigError for an endpoint that is not an http(s) URL. */
export function resolveTelemetry(config: Pick<HelixConfig, 'helix_settings' | 'litellm_settings'>, env: NodeJS.ProcessEnv = process.env): ResolvedTelemetry | undefined {
  const s: TelemetrySettings = config.helix_settings.telemetry;
  const on = s.enabled || litellmAsksForOtel(config.litellm_settings);
  if (!on || /^true$/i.test(env.OTEL_SDK_DISABLED?.trim() ?? '')) return undefined;
  const [endpoint, source] = s.endpoint
    ? [s.endpoint, 'helix_settings.telemetry.endpoint']
    : env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? [env.OTEL_EXPORTER_OTLP_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT']
      : [env.OTEL_ENDPOINT ?? DEFAULT_ENDPOINT, 'OTEL_ENDPOINT'];
  const urls = signalUrls(endpoint, source);
  // Per-signal variables are full URLs (OpenTelemetry's rule); the file's endpoint wins over both.
  const perSignal = (name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') => (!s.endpoint && env[name] ? httpUrl(env[name], name) : undefined);
  const tracesUrl = perSignal('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? urls.traces;
  const metricsUrl = perSignal('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ?? urls.metrics;
  return {
    tracesUrl: s.traces ? tracesUrl : undefined,
    metricsUrl: s.metrics ? metricsUrl : undefined,
    headers: { ...parseOtelHeaders(env.OTEL_HEADERS), ...parseOtelHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...s.headers },
    protocol: protocolOf(s.protocol, env),
    serviceName: s.service_name ?? (env.OTEL_SERVICE_NAME?.trim() || 'helix-gateway'),
    sampleRatio: s.sample_ratio,
    captureContent: s.capture_content,
    exportIntervalMs: s.export_interval_ms,
    exportTimeoutMs: s.export_timeout_ms,
    maxQueueSize: s.max_queue_size,
  };
}
