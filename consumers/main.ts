// Runs the consumer groups (HELIX_CONSUMERS=comma list; default all) in this process until SIGINT/SIGTERM.
import { getPriority, setPriority } from 'node:os';
import { loadConfig } from '../lib/config.ts';
import { createKafka, ensureTopics } from '../lib/kafka.ts';
import { logger } from '../lib/logger.ts';
import { untilReady } from '../lib/until-ready.ts';
import { startClickhouseSink } from './clickhouse-sink/start.ts';
import { startLedger } from './ledger/start.ts';
import { startCacheBuilder } from './cache-builder/start.ts';
import { startAnomalyDetector } from './anomaly/start.ts';
import { startWebhooks } from './webhooks/start.ts';

const STARTERS = {
  'clickhouse-sink': startClickhouseSink,
  ledger: startLedger,
  'cache-builder': startCacheBuilder,
  anomaly: startAnomalyDetector,
  webhooks: startWebhooks,
} as const;

async function main() {
  const config = loadConfig(process.env, { logWarnings: true });
  yieldCpu(config.helix_settings.analytics.consumers_nice);
  const kafka = createKafka(config.env.kafkaBrokers, 'helix-consumers');
  await untilReady('kafka', () => ensureTopics(kafka, config.env.topicPrefix));
  const wanted = (process.env.HELIX_CONSUMERS ?? Object.keys(STARTERS).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const running: Array<{ stop(): Promise<void> }> = [];
  for (const name of wanted) {
    const start = STARTERS[name as keyof typeof STARTERS];
    if (!start) throw new Error(`unknown consumer "${name}"; known: ${Object.keys(STARTERS).join(', ')}`);
    running.push(await start(kafka, config));
  }
  logger.info({ consumers: wanted }, 'consumers running');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(running.map((r) => r.stop()));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** Lowers this process's priority (never raises it: that needs privileges) so the gateway wins a shared CPU. */
function yieldCpu(nice: number): void {
  try {
    if (nice > getPriority()) setPriority(nice);
  } catch (err) {
    logger.warn({ err, nice }, 'consumers: could not lower the process priority');
  }
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'consumers failed to start');
  console.error(`helix consumers: ${(err as Error).message}`);
  process.exit(1);
});
