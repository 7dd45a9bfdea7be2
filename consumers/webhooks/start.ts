// Starts the webhooks group: anomalies → queued deliveries (Redis) → the dispatcher's signed POSTs. Every attempt
// is recorded through the event bus (→ ClickHouse webhook_deliveries; spooled to disk while Kafka is away), and
// dead-lettered deliveries go to the dead-letter topic with the reason.
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import type { HelixConfig } from '../../lib/config.ts';
import { connectProducer } from '../../lib/kafka.ts';
import { EventBus } from '../../lib/event-bus.ts';
import { eventBusSettings } from '../../lib/event-bus-settings.ts';
import { logger } from '../../lib/logger.ts';
import { topicName } from '../../schemas/topics.ts';
import { runConsumer, type RunningConsumer } from '../../lib/consume/runner.ts';
import { metricsPort } from '../../lib/consume/metrics.ts';
import { createTargetGuard } from './address-guard.ts';
import { createDispatcher, targetOf } from './dispatcher.ts';
import { webhookSink } from './sink.ts';
import { jsonPayload } from './payload.ts';
import { DeliveryQueue } from './queue.ts';

export const WEBHOOK_GROUP = 'helix-webhooks';
const STORED_CHARS = 16 * 1024;

export interface RunningWebhooks extends RunningConsumer {
  name: string;
}

export async function startWebhooks(kafka: Kafka, config: HelixConfig): Promise<RunningWebhooks> {
  const analytics = config.helix_settings.analytics;
  const settings = analytics.webhooks;
  if (settings.endpoints.length === 0) {
    logger.info('no webhook endpoints configured (helix_settings.analytics.webhooks.endpoints)');
    return { name: 'webhooks', stop: async () => undefined, stats: () => ({ written: 0, deadLettered: 0, retrying: false }) };
  }
  const prefix = config.env.topicPrefix;
  const guard = createTargetGuard({ allowLoopback: settings.allow_loopback, allowPrivateNetworks: settings.allow_private_networks, allowCidrs: settings.allow_cidrs });
  // Refuse bad targets at start-up too, so a misconfiguration shows in the log before the first anomaly.
  for (const e of settings.endpoints) {
    try {
      guard.checkUrl(e.url);
    } catch (err) {
      logger.error({ endpoint: e.name, target: targetOf(e.url), reason: (err as Error).message }, 'webhook endpoint refused; its deliveries will be dead-lettered');
    }
  }

  const redis = new Redis(config.env.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect();
  const events = new EventBus({ kafka, topicPrefix: prefix, spoolDir: join(config.env.dataDir, 'spool', 'webhooks'), ...eventBusSettings(config.helix_settings.events) });
  events.start();
  const dlq: Producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await connectProducer(dlq, 'webhooks dead-letter producer');

  // Remember finished deliveries well past the longest retry schedule, so a replayed anomaly is not sent again.
  const keepMs = Math.max(7 * 86_400_000, 2 * settings.max_attempts * settings.backoff_max_ms);
  const queue = new DeliveryQueue(redis, `${settings.redis_prefix}${prefix}`, keepMs);
  const dispatcher = createDispatcher({
    queue,
    settings,
    guard,
    record: (event) => events.emit(event),
    async deadLetter(delivery, anomaly, reason) {
      const endpoint = settings.endpoints.find((e) => e.name === delivery.endpoint);
      const where = { endpoint: delivery.endpoint, target: endpoint ? targetOf(endpoint.url) : '' };
      // A malformed delivery keeps what was stored (bounded), so it can be looked into.
      const value = anomaly ? { ...jsonPayload(anomaly), ...where } : { delivery: delivery.id, ...where, stored: delivery.anomaly.slice(0, STORED_CHARS) };
      await dlq.send({
        topic: topicName('deadLetter', prefix),
        acks: -1,
        messages: [
          {
            key: anomaly?.event_id ?? delivery.id,
            value: JSON.stringify(value),
            headers: { 'x-helix-reason': `webhook ${delivery.endpoint}: ${reason}`.slice(0, 500), 'x-helix-source-topic': topicName('anomalies', prefix), 'x-helix-group': WEBHOOK_GROUP },
          },
        ],
      });
    },
  });
  dispatcher.start();
  const consumer = await runConsumer({
    kafka,
    groupId: WEBHOOK_GROUP,
    topics: ['anomalies'],
    topicPrefix: prefix,
    sink: webhookSink({ queue, endpoints: settings.endpoints, queued: () => dispatcher.poke() }),
    // A first start (or newly configured webhooks) must not send every anomaly ever recorded.
    fromBeginning: false,
    metricsPort: metricsPort(analytics.consumers_metrics_port),
  });
  return {
    name: 'webhooks',
    stats: consumer.stats,
    async stop() {
      await consumer.stop();
      await dispatcher.stop();
      await events.close();
      await dlq.disconnect().catch(() => undefined);
      redis.disconnect();
    },
  };
}
