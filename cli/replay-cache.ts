// `helix replay cache`: the semantic index is derived state — rebuild it from the cache-fill topic. Reads the topic
// from offset 0 under a fresh consumer group (the live cache-builder's offsets are untouched), writes every
// unexpired entry into Redis, and stops once it has read everything that was on the topic when it started.
import type { Kafka } from 'kafkajs';
import type { HelixConfig } from '../lib/config.ts';
import { createKafka } from '../lib/kafka.ts';
import { topicName } from '../schemas/topics.ts';
import { runConsumer } from '../lib/consume/runner.ts';
import { openFillWriter } from '../core/cache/fill-writer.ts';

export const REPLAY_USAGE = `  replay cache [--redis <url>]
                           rebuild the semantic cache index from the cache-fill topic (offset 0, fresh group)`;

export interface ReplayResult {
  messages: number;
  written: number;
  deadLettered: number;
  ms: number;
}

async function messagesOnTopic(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function replayCache(config: HelixConfig, opts: { kafka?: Kafka; redisUrl?: string; timeoutMs?: number; groupId?: string } = {}): Promise<ReplayResult> {
  const started = Date.now();
  const kafka = opts.kafka ?? createKafka(config.env.kafkaBrokers, 'helix-replay-cache');
  const messages = await messagesOnTopic(kafka, topicName('cacheFill', config.env.topicPrefix));
  const writer = await openFillWriter(config, { redisUrl: opts.redisUrl });
  const builder = await runConsumer({
    kafka,
    groupId: opts.groupId ?? `helix-cache-replay-${Date.now()}`,
    topics: ['cacheFill'],
    topicPrefix: config.env.topicPrefix,
    sink: writer.sink,
    miniBatch: 256,
    fromBeginning: true,
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  try {
    for (;;) {
      const { written, deadLettered } = builder.stats();
      if (written + deadLettered >= messages) return { messages, written, deadLettered, ms: Date.now() - started };
      if (Date.now() > deadline) throw new Error(`replay cache: read ${written + deadLettered} of ${messages} messages before the timeout`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await builder.stop();
    await writer.close();
  }
}

export async function replayCommand(args: string[], config: HelixConfig): Promise<number> {
  const [what, ...rest] = args;
  if (what !== 'cache') {
    console.error(`usage:\n${REPLAY_USAGE}`);
    return 1;
  }
  const i = rest.indexOf('--redis');
  const result = await replayCache(config, { redisUrl: i >= 0 ? rest[i + 1] : undefined });
  console.log(`replayed ${result.messages} cache fills (${result.written} read, ${result.deadLettered} dead-lettered) in ${(result.ms / 1000).toFixed(1)} s`);
  return 0;
}
