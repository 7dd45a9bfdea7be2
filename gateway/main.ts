// The gateway process: load config, connect dependencies, listen; on SIGTERM drain in-flight requests, flush events.
import { join } from 'node:path';
import { createRedis } from '../lib/redis.ts';
import { loadConfig } from '../lib/config.ts';
import { countTokens } from '../lib/tokens.ts';
import { createKafka, ensureTopics } from '../lib/kafka.ts';
import { EventBus } from '../lib/event-bus.ts';
import { eventBusSettings } from '../lib/event-bus-settings.ts';
import { logger } from '../lib/logger.ts';
import { createAnalyticsReader } from '../clickhouse/reader.ts';
import { readLocalSqlKey } from '../lib/local-sql-key.ts';
import { createSpendLookup } from '../core/spend/spend-lookup.ts';
import { buildApp, createRouter } from './app.ts';
import { gatewayHealth } from './health.ts';
import { createMetrics } from './metrics.ts';
import { KeyStore } from '../core/keys/key-store.ts';
import { createAuth } from './auth/authenticate.ts';
import { credentialsAlwaysRequired } from './auth/enforcement.ts';
import { createLimits } from './limits/rate-limits.ts';
import { createCostControl } from './budgets/cost-control.ts';
import { GovernanceStore } from '../core/governance/store.ts';
import { gatewayGovernance } from './governance/governance.ts';
import { createChatCache } from './cache/chat-cache.ts';
import { cacheSettingsFromConfig } from '../schemas/config/cache.ts';
import { checkListenHost } from '../lib/listen-host.ts';
import { startTelemetry } from './telemetry/telemetry.ts';

async function main() {
  const config = loadConfig(process.env, { logWarnings: true });
  const env = config.env;
  // Before connecting anything: without authentication only loopback (throws, naming the fixes, otherwise).
  const unauthenticatedWarning = checkListenHost({
    service: 'the gateway',
    host: env.host,
    authenticated: credentialsAlwaysRequired(env.masterKey, config.helix_settings.auth),
    allowUnauthenticated: env.allowUnauthenticated,
  });
  const kafka = createKafka(env.kafkaBrokers, 'helix-gateway');
  // Topics are created when Kafka is reachable; an outage at start-up must not stop the gateway (events spool).
  ensureTopics(kafka, env.topicPrefix).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'could not ensure kafka topics yet'));
  const events = new EventBus({
    kafka,
    topicPrefix: env.topicPrefix,
    spoolDir: config.helix_settings.events.spool_dir ?? join(env.dataDir, 'spool', `gateway-${env.port}`),
    ...eventBusSettings(config.helix_settings.events),
  });
  events.start();
  const redis = createRedis(env.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined); // state is reported by /health/ready
  // Without a master key, the local key `npm start` gives the SQL endpoint (the dashboard reads through it too).
  const analytics = await createAnalyticsReader({ ...env, masterKey: env.masterKey ?? readLocalSqlKey(env.dataDir) });
  let shuttingDown = false;

  const metrics = createMetrics({ models: config.model_list.map((m) => m.model_name) });
  metrics.setSpool(() => events.stats());
  const keyStore = KeyStore.open(env.redisUrl, { prefix: config.helix_settings.auth.redis_prefix });
  const auth = createAuth({ masterKey: env.masterKey, store: keyStore, settings: config.helix_settings.auth });
  const limits = createLimits({ redis, settings: config.helix_settings.limits });
  const governanceStore = new GovernanceStore(redis, { prefix: config.helix_settings.auth.redis_prefix });
  const cache = createChatCache({
    redis,
    settings: cacheSettingsFromConfig(config.helix_settings),
    publishFill: (fill) => events.publish('cacheFill', fill.namespace, fill),
    publishEvent: (event) => events.emit(event),
  });
  const health = gatewayHealth({ events, redis, analytics, shuttingDown: () => shuttingDown, cache });
  const costControl = createCostControl({ config, redis, analytics });
  const telemetry = startTelemetry(config, { prices: costControl.prices });
  const app = await buildApp({
    config,
    events: telemetry.observe(metrics.observe(events)),
    router: createRouter(config),
    health,
    metrics,
    auth,
    limits,
    keyStore,
    publish: (topic, key, value) => events.publish(topic, key, value),
    costControl,
    spend: createSpendLookup(analytics),
    cache,
    redis,
    governance: gatewayGovernance(governanceStore, config.helix_settings.budgets),
    governanceStore,
  });
  countTokens('warm-up'); // loads the tokenizer's tables now, not inside the first request that counts tokens
  await app.listen({ port: env.port, host: env.host });
  logger.info({ host: env.host, port: env.port, models: config.model_list.map((m) => m.model_name) }, 'helix gateway listening');
  if (unauthenticatedWarning) logger.warn(unauthenticatedWarning);

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'draining');
    // Keep-alive sockets that finish their in-flight request become idle: close them so close() can complete.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
    await app.close(); // stops accepting, waits for in-flight requests
    clearInterval(reaper);
    await telemetry.shutdown();
    await auth.close();
    await cache.close();
    await keyStore.close();
    await governanceStore.close();
    await events.close(10_000);
    redis.disconnect();
    await analytics.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`helix gateway: ${(err as Error).message}`);
  process.exit(1);
});
