// Telemetry never waits on its receiver: spans queue in a bounded batch and are dropped when the queue is full or an
// export fails. This counts what was dropped and says so in the log, at most once a minute.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { TraceFlags, type Context } from '@opentelemetry/api';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { logger } from '../../lib/logger.ts';
import { LogThrottle } from '../../lib/log-throttle.ts';

export interface ExportStats {
  spansExported: number;
  /** Spans dropped: queue full, or their export failed or timed out. */
  spansDropped: number;
  metricExportsFailed: number;
}

export class ExportHealth {
  readonly stats: ExportStats = { spansExported: 0, spansDropped: 0, metricExportsFailed: 0 };
  /** Spans handed to the batch processor and not yet taken by an export. */
  private queued = 0;
  private readonly throttle = new LogThrottle(60_000);
  private failuresSinceLog = 0;

  constructor(private readonly maxQueueSize: number) {}

  /** Wraps the batch processor: a span that finds the queue full is counted (the processor drops it). */
  countingProcessor(inner: SpanProcessor): SpanProcessor {
    return {
      onStart: (span: Span, context: Context) => inner.onStart(span, context),
      onEnd: (span: ReadableSpan) => {
        if (!(span.spanContext().traceFlags & TraceFlags.SAMPLED)) return; // the processor ignores these too
        if (this.queued >= this.maxQueueSize) this.dropped(1, 'queue full');
        else this.queued++;
        inner.onEnd(span);
      },
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
    };
  }

  spanExporter(inner: SpanExporter): SpanExporter {
    return {
      export: (spans, done) => {
        this.queued = Math.max(0, this.queued - spans.length);
        inner.export(spans, (result) => {
          if (result.code === ExportResultCode.SUCCESS) this.stats.spansExported += spans.length;
          else this.dropped(spans.length, reason(result));
          done(result);
        });
      },
      shutdown: () => inner.shutdown(),
      forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    };
  }

  metricExporter(inner: PushMetricExporter): PushMetricExporter {
    return {
      export: (metrics: ResourceMetrics, done: (result: ExportResult) => void) => {
        inner.export(metrics, (result) => {
          if (result.code !== ExportResultCode.SUCCESS) {
            this.stats.metricExportsFailed++;
            this.warn(`metrics export failed: ${reason(result)}`);
          }
          done(result);
        });
      },
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
      ...(inner.selectAggregationTemporality && { selectAggregationTemporality: inner.selectAggregationTemporality.bind(inner) }),
      ...(inner.selectAggregation && { selectAggregation: inner.selectAggregation.bind(inner) }),
    };
  }

  private dropped(n: number, why: string): void {
    this.stats.spansDropped += n;
    this.warn(`spans dropped (${why})`);
  }

  private warn(what: string): void {
    this.failuresSinceLog++;
    if (this.throttle.pass() === undefined) return;
    logger.warn({ spansDropped: this.stats.spansDropped, metricExportsFailed: this.stats.metricExportsFailed, failuresSinceLastLog: this.failuresSinceLog }, `telemetry: ${what}`);
    this.failuresSinceLog = 0;
  }
}

const reason = (result: ExportResult) => (result.error?.message ?? 'export failed').slice(0, 200);
