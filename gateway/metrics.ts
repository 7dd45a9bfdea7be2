// Prometheus metrics, derived from the same events that go to Kafka (one source of truth for what happened).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CounterCells, HistogramCells, type CounterCell, type HistogramCell } from './metric-cells.ts';
import type { HelixEvent } from '../schemas/events.ts';
import type { EventSink } from './pipeline/events.ts';
import { PROXY_PATHS } from './routes/proxy-paths.ts';

export interface GatewayMetrics {
  registry: Registry;
  /** Wraps an event sink so every event also updates the metrics. */
  observe(sink: EventSink): EventSink;
  count(name: 'cache' | 'pii', labels: Record<string, string>, n?: number): void;
  setSpool(source: () => EventBacklog): void;
}

/** What the event bus reports about events not yet in Kafka (EventBus.stats() has these). */
export interface EventBacklog {
  queued: number;
  spooled: number;
  spoolBytes: number;
  spoolWriteFailures: number;
  walWriteFailures: number;
  dropped: Record<string, number>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The model label of every model not in the config. Clients choose the model string, and every label value is a
 * series kept for the life of the process: labels take known values only.
 */
export const OTHER_MODEL = 'other';
/** The endpoint label of every endpoint not known to the metrics. */
export const UNKNOWN_ENDPOINT = 'unknown';
/** The routes whose requests emit events. */
export const PROXY_ENDPOINTS: readonly string[] = Object.values(PROXY_PATHS);

export interface MetricLabelValues {
  /** Model names kept as label values (model_list's model_name values); any other model is labelled OTHER_MODEL. */
  models: Iterable<string>;
  /** Endpoints kept as label values (default PROXY_ENDPOINTS); any other is labelled UNKNOWN_ENDPOINT. */
  endpoints?: Iterable<string>;
}

export function createMetrics(labelValues: MetricLabelValues): GatewayMetrics {
  const knownModels = new Set(labelValues.models);
  const knownEndpoints = new Set(labelValues.endpoints ?? PROXY_ENDPOINTS);
  const registry = new Registry();
  // prom-client's own names start with process_ / nodejs_: helix_gateway_process_cpu_seconds_total, …
  collectDefaultMetrics({ register: registry, prefix: 'helix_gateway_' });
  const labels = ['model', 'provider', 'status', 'endpoint'] as const;
  // Updated on every request: cell-based (see metric-cells.ts), exposed exactly like prom-client's own.
  const requests = new CounterCells({ name: 'helix_requests_total', help: 'Completed requests by model, provider and outcome', labelNames: labels, registry });
  const latency = new HistogramCells({ name: 'helix_request_duration_seconds', help: 'Total request latency seen by the client', labelNames: labels, buckets: LATENCY_BUCKETS, registry });
  const upstream = new HistogramCells({ name: 'helix_upstream_duration_seconds', help: 'Upstream provider latency', labelNames: ['model', 'provider'], buckets: LATENCY_BUCKETS, registry });
  const overhead = new HistogramCells({ name: 'helix_gateway_overhead_seconds', help: 'Time spent in the gateway itself', buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05], registry }).labels();
  const tokens = new CounterCells({ name: 'helix_tokens_total', help: 'Tokens by model and direction', labelNames: ['model', 'provider', 'direction'], registry });
  const cache = new Counter({ name: 'helix_cache_events_total', help: 'Cache lookups by result', labelNames: ['result'], registers: [registry] });
  const pii = new Counter({ name: 'helix_pii_detections_total', help: 'PII detections by entity and action', labelNames: ['entity', 'action'], registers: [registry] });
  let spoolSource: (() => EventBacklog) | undefined;
  new Gauge({
    name: 'helix_event_backlog',
    help: 'Events waiting for Kafka (memory queue and disk spool)',
    labelNames: ['where'],
    registers: [registry],
    collect() {
      const s = spoolSource?.();
      this.set({ where: 'memory' }, s?.queued ?? 0);
      this.set({ where: 'disk' }, s?.spooled ?? 0);
    },
  });
  new Gauge({
    name: 'helix_event_spool_bytes',
    help: 'Bytes the event spool holds (on disk and waiting to be written); see helix_settings.events.spool_max_mb',
    registers: [registry],
    collect() {
      this.set(spoolSource?.().spoolBytes ?? 0);
    },
  });
  new Counter({
    name: 'helix_event_spool_write_failures_total',
    help: 'Event spool writes that failed (disk full, directory not writable); the events wait in memory, bounded, and the write is retried',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(spoolSource?.().spoolWriteFailures ?? 0);
    },
  });
  new Counter({
    name: 'helix_event_wal_write_failures_total',
    help: 'Write-ahead log commits that failed: answers went out without waiting for their billing events to be on disk (docs/events.md)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(spoolSource?.().walWriteFailures ?? 0);
    },
  });
  new Counter({
    name: 'helix_events_dropped_total',
    help: 'Events the event bus gave up on, by reason (spool_full, spool_unwritable, memory_full, unwritten_at_close, closed; docs/events.md)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(spoolSource?.().dropped ?? {})) this.inc({ reason }, n);
    },
  });

  // Cells resolved once per label combination (a Map lookup on one string instead of four).
  type Children = { requests: CounterCell; latency: HistogramCell; upstream: HistogramCell; input: CounterCell; output: CounterCell };
  const children = new Map<string, Children>();
  const childrenFor = (model: string, provider: string, status: string, endpoint: string): Children => {
    const id = `${model}\u0000${provider}\u0000${status}\u0000${endpoint}`;
    let c = children.get(id);
    if (!c) {
      c = {
        requests: requests.labels(model, provider, status, endpoint),
        latency: latency.labels(model, provider, status, endpoint),
        upstream: upstream.labels(model, provider),
        input: tokens.labels(model, provider, 'input'),
        output: tokens.labels(model, provider, 'output'),
      };
      if (children.size < 10_000) children.set(id, c);
    }
    return c;
  };

  const record = (e: HelixEvent) => {
    if (e.type === 'pii') pii.inc({ entity: e.entity, action: e.action });
    if (e.type !== 'response' && e.type !== 'error') return;
    const model = knownModels.has(e.model) ? e.model : OTHER_MODEL;
    const endpoint = knownEndpoints.has(e.endpoint) ? e.endpoint : UNKNOWN_ENDPOINT;
    const c = childrenFor(model, e.provider, String(e.http_status), endpoint);
    c.requests.inc();
    c.latency.observe(e.total_ms / 1000);
    overhead.observe(e.gateway_overhead_ms / 1000);
    if (e.upstream_ms > 0) c.upstream.observe(e.upstream_ms / 1000);
    if (e.prompt_tokens) c.input.inc(e.prompt_tokens);
    if (e.completion_tokens) c.output.inc(e.completion_tokens);
  };

  return {
    registry,
    observe: (sink) => ({
      accepting: () => sink.accepting?.() ?? true,
      committed: () => sink.committed?.() ?? Promise.resolve(),
      emit(event) {
        record(event);
        sink.emit(event);
      },
    }),
    count(name, l, n = 1) {
      if (name === 'cache') cache.inc({ result: l.result ?? 'unknown' }, n);
      else pii.inc({ entity: l.entity ?? 'unknown', action: l.action ?? 'unknown' }, n);
    },
    setSpool(source) {
      spoolSource = source;
    },
  };
}
