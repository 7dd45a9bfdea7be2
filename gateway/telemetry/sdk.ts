// The OpenTelemetry SDK as Helix runs it: a tracer and a meter of their own (nothing registered globally, no
// auto-instrumentation), batched OTLP/HTTP export with bounded queues and timeouts.
import type { Meter, Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ExportHealth } from './export-health.ts';
import type { ResolvedTelemetry } from './settings.ts';

const SCOPE = 'helix-gateway';
/** Longest attribute value kept on a span (prompts and completions are clipped before this). */
const ATTRIBUTE_VALUE_MAX = 64 * 1024;
/** Export requests in flight at once: beyond them an export fails at once (and its data is counted as dropped). */
const CONCURRENT_EXPORTS = 4;

export interface TelemetrySdk {
  tracer: Tracer | undefined;
  meter: Meter | undefined;
  health: ExportHealth;
  /** Exports what is queued (bounded by the export timeout), then stops. */
  shutdown(): Promise<void>;
}

export function startSdk(s: ResolvedTelemetry): TelemetrySdk {
  const resource = defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: s.serviceName }));
  const health = new ExportHealth(s.maxQueueSize);
  const exporterOptions = (url: string) => ({ url, headers: s.headers, timeoutMillis: s.exportTimeoutMs, concurrencyLimit: CONCURRENT_EXPORTS });
  const json = s.protocol === 'http/json';

  let tracerProvider: BasicTracerProvider | undefined;
  if (s.tracesUrl) {
    const exporter = json ? new JsonTraceExporter(exporterOptions(s.tracesUrl)) : new ProtoTraceExporter(exporterOptions(s.tracesUrl));
    const batch = new BatchSpanProcessor(health.spanExporter(exporter), {
      maxQueueSize: s.maxQueueSize,
      maxExportBatchSize: Math.min(512, s.maxQueueSize),
      scheduledDelayMillis: s.exportIntervalMs,
      exportTimeoutMillis: s.exportTimeoutMs,
    });
    tracerProvider = new BasicTracerProvider({
      resource,
      // A caller's traceparent decides for its trace; a new trace is kept at the configured ratio.
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(s.sampleRatio) }),
      spanLimits: { attributeValueLengthLimit: ATTRIBUTE_VALUE_MAX },
      spanProcessors: [health.countingProcessor(batch)],
    });
  }

  let meterProvider: MeterProvider | undefined;
  if (s.metricsUrl) {
    const exporter = json ? new JsonMetricExporter(exporterOptions(s.metricsUrl)) : new ProtoMetricExporter(exporterOptions(s.metricsUrl));
    const reader = new PeriodicExportingMetricReader({
      exporter: health.metricExporter(exporter),
      exportIntervalMillis: s.exportIntervalMs,
      exportTimeoutMillis: Math.min(s.exportTimeoutMs, s.exportIntervalMs),
    });
    meterProvider = new MeterProvider({ resource, readers: [reader] });
  }

  return {
    tracer: tracerProvider?.getTracer(SCOPE),
    meter: meterProvider?.getMeter(SCOPE),
    health,
    async shutdown() {
      const stopping = Promise.allSettled([tracerProvider?.shutdown(), meterProvider?.shutdown()]);
      // A receiver that does not answer must not hold the gateway's exit past one export timeout.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, s.exportTimeoutMs + 1000)));
      await Promise.race([stopping, deadline]);
      clearTimeout(timer);
    },
  };
}
