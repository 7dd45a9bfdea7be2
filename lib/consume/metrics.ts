// Prometheus metrics of the consumers process: consumer lag per group/topic/partition (from the broker: high
// watermark minus the group's committed offset, so it keeps growing while a group is stuck retrying), plus what
// the consume loop wrote, dead-lettered and retried (docs/consumers.md). Served as Prometheus text on
// HELIX_CONSUMERS_METRICS_PORT (or `helix_settings.analytics.consumers_metrics_port`) at /metrics.
import { createServer, type Server } from 'node:http';
import type { Admin, Kafka } from 'kafkajs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { logger } from '../logger.ts';

export const registry = new Registry();
// prom-client's own names start with process_ / nodejs_: helix_consumers_process_cpu_seconds_total, …
collectDefaultMetrics({ register: registry, prefix: 'helix_consumers_' });

export const consumerMetrics = {
  messages: new Counter({ name: 'helix_consumer_messages_total', help: 'Messages handled, by group and outcome (written, dead_lettered: undecodable or refused by the sink for their data)', labelNames: ['group', 'outcome'], registers: [registry] }),
  writeFailures: new Counter({ name: 'helix_consumer_write_failures_total', help: 'Failed sink writes and dead-letter sends that were retried with backoff', labelNames: ['group'], registers: [registry] }),
  retrying: new Gauge({ name: 'helix_consumer_retrying', help: '1 while the group is retrying a failed write (e.g. ClickHouse down, or a batch refused for its data before it is split)', labelNames: ['group'], registers: [registry] }),
  batchSize: new Histogram({ name: 'helix_consumer_batch_messages', help: 'Messages per sink write', labelNames: ['group'], buckets: [1, 10, 100, 1_000, 5_000, 20_000, 50_000, 100_000], registers: [registry] }),
  writeSeconds: new Histogram({ name: 'helix_consumer_write_seconds', help: 'Duration of successful sink writes', labelNames: ['group'], buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
};

interface LagSource {
  kafka: Kafka;
  groupId: string;
  topics: string[];
}

const sources = new Map<string, LagSource>();
let admin: { kafka: Kafka; client: Admin; connected: Promise<void> } | undefined;
let cached: { at: number; rows: Array<{ group: string; topic: string; partition: number; lag: number }> } | undefined;
const CACHE_MS = 1_000;

/** The consume loop registers each group it runs; lag is read from the broker on scrape. */
export function trackLag(source: LagSource): () => void {
  sources.set(source.groupId, source);
  return () => {
    sources.delete(source.groupId);
  };
}

async function adminFor(kafka: Kafka): Promise<Admin> {
  if (!admin || admin.kafka !== kafka) {
    const client = kafka.admin();
    admin = { kafka, client, connected: client.connect() };
  }
  await admin.connected;
  return admin.client;
}

async function readLag(): Promise<NonNullable<typeof cached>['rows']> {
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.rows;
  const rows: NonNullable<typeof cached>['rows'] = [];
  for (const { kafka, groupId, topics } of sources.values()) {
    const client = await adminFor(kafka);
    const committed = await client.fetchOffsets({ groupId, topics });
    for (const { topic, partitions } of committed) {
      const ends = new Map((await client.fetchTopicOffsets(topic)).map((o) => [o.partition, { high: Number(o.high), low: Number(o.low) }]));
      for (const p of partitions) {
        const end = ends.get(p.partition);
        if (!end) continue;
        // No commit yet: the group starts from the beginning, so everything retained is lag.
        const position = Number(p.offset) < 0 ? end.low : Number(p.offset);
        rows.push({ group: groupId, topic, partition: p.partition, lag: Math.max(0, end.high - position) });
      }
    }
  }
  cached = { at: Date.now(), rows };
  return rows;
}

new Gauge({
  name: 'helix_consumer_lag',
  help: 'Messages not yet committed by the group (high watermark − committed offset), per partition',
  labelNames: ['group', 'topic', 'partition'],
  registers: [registry],
  async collect() {
    try {
      const rows = await readLag();
      this.reset();
      for (const r of rows) this.set({ group: r.group, topic: r.topic, partition: String(r.partition) }, r.lag);
    } catch (err) {
      // Kafka unreachable: keep the last values rather than reporting a misleading zero.
      logger.debug({ err: (err as Error).message }, 'consumer lag unavailable');
    }
  },
});

new Gauge({
  name: 'helix_consumer_lag_total',
  help: 'Sum of helix_consumer_lag per group',
  labelNames: ['group'],
  registers: [registry],
  async collect() {
    const rows = await readLag().catch(() => cached?.rows ?? []);
    const totals = new Map<string, number>();
    for (const row of rows) totals.set(row.group, (totals.get(row.group) ?? 0) + row.lag);
    this.reset();
    for (const [group, lag] of totals) this.set({ group }, lag);
  },
});

let server: { port: number; http: Server; users: number } | undefined;

/**
 * Starts the shared /metrics server once per process (later calls share it); the returned function releases it.
 * Listens on HELIX_HOST when set (0.0.0.0 in containers, so Prometheus can scrape), else loopback.
 */
export async function serveMetrics(port: number, host = '127.0.0.1'): Promise<() => Promise<void>> {
  if (server) {
    if (server.port !== port) logger.warn({ port, serving: server.port }, 'consumers metrics already served on another port');
    server.users++;
  } else {
    const http = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
    server = { port, http, users: 1 };
    logger.info({ port }, 'consumers metrics on /metrics');
  }
  return async () => {
    if (!server || --server.users > 0) return;
    const { http } = server;
    server = undefined;
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await admin?.client.disconnect().catch(() => undefined);
    admin = undefined;
  };
}

/** HELIX_CONSUMERS_METRICS_PORT wins over the config; undefined = no metrics server. */
export function metricsPort(configured: number | undefined, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const fromEnv = env.HELIX_CONSUMERS_METRICS_PORT;
  if (fromEnv) return Number(fromEnv);
  return configured;
}
