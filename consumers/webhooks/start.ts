// Starts the webhooks group: anomalies → queued deliveries (Redis) → the dispatcher's signed POSTs. Every attempt
// is recorded through the event bus (→ ClickHouse webhook_deliveries; spooled to disk while Kafka is away), and
// dead-lettered deliveries go to the dead-letter topic with the reason.
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { HelixConfig } from '../../lib/config.ts';
import { EventBus } from '../../lib/event-bus.ts';
import { eventBusSettings } from '../../lib/event-bus-settings.ts';
import { logger } from '../../lib/logger.ts';
import { createTargetGuard } from './address-guard.ts';
import { createDispatcher } from './dispatcher.ts';
import { targetOf } from './target.ts';
import { webhookSink } from './sink.ts';
import { webhookDeadLetter } from './dead-letter.ts';
import { DeliveryQueue } from './queue.ts';
import { durableProducer, failFastRedis, idleGroup, startGroup, type RunningGroup } from '../group.ts';

export const WEBHOOK_GROUP = 'helix-webhooks';

export async function startWebhooks(kafka: Kafka, config: HelixConfig): Promise<RunningGroup> {
  const settings = config.helix_settings.analytics.webhooks;
  if (settings.endpoints.length === 0) {
    logger.info('no webhook endpoints configured (helix_settings.analytics.webhooks.endpoints)');
    return idleGroup('webhooks');
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

  const redis = await failFastRedis(config.env.redisUrl);
  const events = new EventBus({ kafka, topicPrefix: prefix, spoolDir: join(config.env.dataDir, 'spool', 'webhooks'), ...eventBusSettings(config.helix_settings.events) });
  events.start();
  const dlq = await durableProducer(kafka, 'webhooks dead-letter producer');

  // Remember finished deliveries well past the longest retry schedule, so a replayed anomaly is not sent again.
  const keepMs = Math.max(7 * 86_400_000, 2 * settings.max_attempts * settings.backoff_max_ms);
  const queue = new DeliveryQueue(redis, `${settings.redis_prefix}${prefix}`, keepMs);
  const dispatcher = createDispatcher({
    queue,
    settings,
    guard,
    record: (event) => events.emit(event),
    deadLetter: webhookDeadLetter(dlq, settings.endpoints, prefix, WEBHOOK_GROUP),
  });
  dispatcher.start();
  return startGroup(kafka, config, {
    name: 'webhooks',
    groupId: WEBHOOK_GROUP,
    topics: ['anomalies'],
    sink: webhookSink({ queue, endpoints: settings.endpoints, queued: () => dispatcher.poke() }),
    // A first start (or newly configured webhooks) must not send every anomaly ever recorded.
    fromBeginning: false,
    async close() {
      await dispatcher.stop();
      await events.close();
      await dlq.disconnect().catch(() => undefined);
      redis.disconnect();
    },
  });
}
