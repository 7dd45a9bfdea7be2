// OpenTelemetry for Helix: one span per request, built from the finished request when its closing event goes out
// (no pipeline stage, nothing at all when telemetry is off), a child span per provider attempt, and the GenAI
// metrics. A caller's `traceparent` is continued. Export is batched and never waits on the receiver (sdk.ts).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace as traceApi, type Attributes, type Context, type Histogram } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ATTR_ERROR_TYPE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_USER_ID,
  EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_GEN_AI_SERVER_TIME_TO_FIRST_TOKEN,
} from '@opentelemetry/semantic-conventions/incubating';
import type { HelixConfig } from '../../lib/config.ts';
import { logger } from '../../lib/logger.ts';
import { chargeOf, isCacheHit } from '../../core/budgets/charge.ts';
import { deploymentsFrom } from '../../core/deployments.ts';
import type { PriceBook } from '../../core/prices.ts';
import type { Attempt } from '../../schemas/events.ts';
import type { EndObservingSink, RequestEnd } from '../pipeline/conclude.ts';
import type { EventSink } from '../pipeline/events.ts';
import { now } from '../pipeline/trace.ts';
import { OTHER_MODEL } from '../metrics.ts';
import { capturedContent } from './content.ts';
import { operationOf, providerName, requestParameters, responseIdentity, type GenAiOperation } from './genai.ts';
import { startSdk, type TelemetrySdk } from './sdk.ts';
import { resolveTelemetry, type ResolvedTelemetry } from './settings.ts';

export interface Telemetry {
  /** The sink the pipeline emits to, told of each request's end when telemetry is on (the sink itself when off). */
  observe(sink: EventSink): EventSink;
  /** Exports what is queued, bounded by the export timeout. */
  shutdown(): Promise<void>;
}

const OFF: Telemetry = { observe: (sink) => sink, shutdown: async () => undefined };

/** The conventions' advised bucket boundaries. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
const TAGS_MAX = 32;

/** A metric series' attributes, and the same with each token type. */
interface MetricAttributes {
  base: Attributes;
  input: Attributes;
  output: Attributes;
}

interface Server {
  address: string;
  port: number | undefined;
}

/** Where each deployment's requests go (server.address): from `api_base`, when the deployment has one. */
function serversOf(config: HelixConfig): Map<string, Server & { upstreamModel: string }> {
  const out = new Map<string, Server & { upstreamModel: string }>();
  for (const d of deploymentsFrom(config.model_list)) {
    let server: Server = { address: '', port: undefined };
    try {
      if (d.params.api_base) {
        const url = new URL(d.params.api_base);
        server = { address: url.hostname, port: url.port ? Number(url.port) : undefined };
      }
    } catch {
      // an api_base that is not a URL is the provider's business to refuse; it has no address to report
    }
    out.set(d.id, { ...server, upstreamModel: d.upstreamModel });
  }
  return out;
}

const epochMs = (perfMs: number) => performance.timeOrigin + perfMs;

/** A URL for the log: user and password, if the URL carries any, left out. */
function withoutCredentials(url: string | undefined): string | undefined {
  if (!url) return url;
  const u = new URL(url);
  u.username = u.password = '';
  return u.toString();
}

export function startTelemetry(config: HelixConfig, deps: { prices?: PriceBook | undefined } = {}, env: NodeJS.ProcessEnv = process.env): Telemetry {
  const settings = resolveTelemetry(config, env);
  if (!settings) return OFF;
  const sdk = startSdk(settings);
  const recorder = new Recorder(settings, sdk, config, deps.prices);
  logger.info({ traces: withoutCredentials(settings.tracesUrl), metrics: withoutCredentials(settings.metricsUrl), protocol: settings.protocol, service: settings.serviceName, captureContent: settings.captureContent }, 'telemetry on (OpenTelemetry, OTLP/HTTP)');
  return {
    observe: (sink): EndObservingSink => ({
      emit: (event) => sink.emit(event),
      accepting: () => sink.accepting?.() ?? true,
      committed: () => sink.committed?.() ?? Promise.resolve(),
      requestEnded(end) {
        const endedAt = now();
        // After the answer is on its way: telemetry takes no time from the response.
        setImmediate(() => recorder.record(end, endedAt));
      },
    }),
    shutdown: () => sdk.shutdown(),
  };
}

class Recorder {
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly servers: Map<string, Server & { upstreamModel: string }>;
  private readonly knownModels: Set<string>;
  private readonly tokenUsage: Histogram | undefined;
  private readonly duration: Histogram | undefined;
  private readonly timeToFirstToken: Histogram | undefined;
  private readonly metricSets = new Map<string, MetricAttributes>();
  private failedOnce = false;

  constructor(
    private readonly settings: ResolvedTelemetry,
    private readonly sdk: TelemetrySdk,
    config: HelixConfig,
    private readonly prices: PriceBook | undefined,
  ) {
    this.servers = serversOf(config);
    this.knownModels = new Set(config.model_list.map((m) => m.model_name));
    const meter = sdk.meter;
    this.tokenUsage = meter?.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, { unit: '{token}', description: 'Tokens used per request, by input and output', advice: { explicitBucketBoundaries: TOKEN_BUCKETS } });
    this.duration = meter?.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, { unit: 's', description: 'Duration of a request as its client saw it', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
    this.timeToFirstToken = meter?.createHistogram(METRIC_GEN_AI_SERVER_TIME_TO_FIRST_TOKEN, { unit: 's', description: 'Time from a streamed request to its first chunk from the provider', advice: { explicitBucketBoundaries: TTFT_BUCKETS } });
  }

  record(end: RequestEnd, endedAt: number): void {
    try {
      const operation = operationOf(end.flight?.op.kind, end.trace.endpoint);
      if (!operation) return;
      this.recordMetrics(end, operation);
      if (this.sdk.tracer) this.recordSpan(end, operation, endedAt);
    } catch (err) {
      // Telemetry is an observer: a bug here must not touch requests. Said once, not per request.
      if (!this.failedOnce) logger.error({ err }, 'telemetry: could not record a request');
      this.failedOnce = true;
    }
  }

  /**
   * Attributes bounded to known values (clients choose model strings, and every metric series is kept), one set per
   * combination: a request allocates none.
   */
  private metricAttributes(end: RequestEnd, operation: GenAiOperation): MetricAttributes {
    const { trace, error } = end;
    const requested = trace.modelSwappedFrom || trace.model;
    const model = this.knownModels.has(requested) ? requested : OTHER_MODEL;
    const errorType = error?.code ?? '';
    const id = `${operation}|${trace.provider}|${model}|${trace.deployment}|${errorType}`;
    let found = this.metricSets.get(id);
    if (!found) {
      const base: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation, [ATTR_GEN_AI_REQUEST_MODEL]: model };
      if (trace.provider) base[ATTR_GEN_AI_PROVIDER_NAME] = providerName(trace.provider);
      const address = this.servers.get(trace.deployment)?.address;
      if (address) base[ATTR_SERVER_ADDRESS] = address;
      if (errorType) base[ATTR_ERROR_TYPE] = errorType;
      found = { base, input: { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' }, output: { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' } };
      this.metricSets.set(id, found);
    }
    return found;
  }

  private recordMetrics(end: RequestEnd, operation: GenAiOperation): void {
    const { event, trace, flight } = end;
    const attributes = this.metricAttributes(end, operation);
    this.duration?.record(event.total_ms / 1000, attributes.base);
    if (!isCacheHit(event.cache)) {
      if (event.prompt_tokens > 0) this.tokenUsage?.record(event.prompt_tokens, attributes.input);
      if (event.completion_tokens > 0) this.tokenUsage?.record(event.completion_tokens, attributes.output);
    }
    const ttft = timeToFirstChunkMs(end);
    if (ttft !== undefined && !end.error && trace.stream && flight?.upstreamCalled) this.timeToFirstToken?.record(ttft / 1000, attributes.base);
  }

  private recordSpan(end: RequestEnd, operation: GenAiOperation, endedAt: number): void {
    const { trace, event, error, flight } = end;
    const tracer = this.sdk.tracer!;
    const requested = trace.modelSwappedFrom || trace.model;
    const parent = flight ? this.propagator.extract(ROOT_CONTEXT, flight.caller.headers, defaultTextMapGetter) : ROOT_CONTEXT;
    const span = tracer.startSpan(requested ? `${operation} ${requested}` : operation, { kind: SpanKind.SERVER, startTime: epochMs(trace.startedAt) }, parent);
    // Not sampled: nothing more to build.
    if (!span.isRecording()) return;

    const a: Attributes = flight ? requestParameters(flight.body) : {};
    a[ATTR_GEN_AI_OPERATION_NAME] = operation;
    if (trace.provider) a[ATTR_GEN_AI_PROVIDER_NAME] = a[ATTR_GEN_AI_SYSTEM] = providerName(trace.provider);
    if (requested) a[ATTR_GEN_AI_REQUEST_MODEL] = requested;
    const server = this.servers.get(trace.deployment);
    const response = flight?.outcome?.kind === 'completion' ? responseIdentity(flight.outcome.value) : {};
    // A stream's chunks are not kept: its model is the one the deployment was asked for (a failure has none).
    const responseModel = response.model ?? (error ? undefined : server?.upstreamModel);
    if (responseModel) a[ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
    if (response.id) a[ATTR_GEN_AI_RESPONSE_ID] = response.id;
    if (trace.finishReason) a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = [trace.finishReason];
    if (server?.address) a[ATTR_SERVER_ADDRESS] = server.address;
    if (server?.port) a[ATTR_SERVER_PORT] = server.port;
    if (trace.endUser) a[ATTR_USER_ID] = trace.endUser;
    a['http.response.status_code'] = event.http_status;
    a['helix.request_id'] = trace.requestId;
    a['helix.endpoint'] = trace.endpoint;
    a['helix.cache'] = event.cache;
    a['helix.stream'] = trace.stream;
    if (trace.deployment) a['helix.deployment'] = trace.deployment;
    if (trace.keyId) a['helix.key_id'] = trace.keyId;
    if (trace.teamId) a['helix.team_id'] = trace.teamId;
    if (trace.userId) a['helix.user_id'] = trace.userId;
    if (trace.tags.length) a['helix.tags'] = trace.tags.slice(0, TAGS_MAX);
    if (trace.modelSwappedFrom) a['helix.model_swapped_from'] = trace.modelSwappedFrom;
    a['helix.pii.findings'] = trace.piiFindings;
    a['helix.attempts'] = trace.attempts.length;
    a['helix.gateway_overhead_ms'] = event.gateway_overhead_ms;
    // A cache hit used no tokens upstream: its usage would count tokens nobody was billed for.
    if (!isCacheHit(event.cache) && (event.prompt_tokens > 0 || event.completion_tokens > 0)) {
      a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = event.prompt_tokens;
      if (operation !== 'embeddings') a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = event.completion_tokens;
      if (event.cached_tokens) a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = event.cached_tokens;
    }
    if (this.prices) a['helix.cost_usd'] = chargeOf(this.prices, event).cost.costUsd;
    const ttft = timeToFirstChunkMs(end);
    if (trace.stream && ttft !== undefined) a[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ttft / 1000;
    if (error) {
      a[ATTR_ERROR_TYPE] = error.code;
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message.slice(0, 500) });
    }
    span.setAttributes(a);

    if (this.settings.captureContent && flight) {
      const content = capturedContent(flight, trace.finishReason, error !== undefined);
      if (content) span.addEvent(EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, content, epochMs(endedAt));
    }
    if (flight?.upstreamCalled) this.attemptSpans(traceApi.setSpan(parent, span), operation, trace.attempts, flight.upstreamStarted, trace.upstreamTtfbMs, endedAt);
    span.end(epochMs(endedAt));
  }

  /**
   * One CLIENT span per provider attempt. Attempts run one after another from the provider call's start; the
   * waits between them (retry backoff) are not recorded, so they are spread evenly over the call's known length.
   */
  private attemptSpans(parent: Context, operation: GenAiOperation, attempts: Attempt[], startedAt: number, callMs: number, endedAt: number): void {
    if (!attempts.length) return;
    const spent = attempts.reduce((sum, a) => sum + a.latency_ms, 0);
    const callEnd = callMs > 0 ? startedAt + callMs : endedAt;
    const gap = attempts.length > 1 ? Math.max(0, callEnd - startedAt - spent) / (attempts.length - 1) : 0;
    let at = startedAt;
    for (const a of attempts) {
      const target = this.servers.get(a.deployment);
      const model = target?.upstreamModel ?? '';
      const attributes: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: operation,
        [ATTR_GEN_AI_PROVIDER_NAME]: providerName(a.provider),
        ...(model && { [ATTR_GEN_AI_REQUEST_MODEL]: model }),
        ...(target?.address && { [ATTR_SERVER_ADDRESS]: target.address }),
        ...(target?.port && { [ATTR_SERVER_PORT]: target.port }),
        'http.response.status_code': a.status,
        'helix.deployment': a.deployment,
      };
      if (a.status !== 200) attributes[ATTR_ERROR_TYPE] = String(a.status);
      const span = this.sdk.tracer!.startSpan(model ? `${operation} ${model}` : operation, { kind: SpanKind.CLIENT, startTime: epochMs(at), attributes }, parent);
      if (a.error) span.setStatus({ code: SpanStatusCode.ERROR, message: a.error });
      span.end(epochMs(at + a.latency_ms));
      at += a.latency_ms + gap;
    }
  }
}

/** From the request's arrival to the provider's first chunk (a stream's first token as the gateway saw it). */
function timeToFirstChunkMs(end: RequestEnd): number | undefined {
  const f = end.flight;
  if (!f?.upstreamCalled || end.trace.upstreamTtfbMs <= 0) return undefined;
  return f.upstreamStarted - end.trace.startedAt + end.trace.upstreamTtfbMs;
}
