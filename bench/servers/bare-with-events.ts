// The bare pass-through plus only the event publishing every Helix request must do: a request event and a response
// event, built by Helix's own event builders and sent through Helix's own EventBus (kafkajs, the real Kafka).
// Nothing else of Helix runs here (no auth, limits, PII, cache, router, metrics): bench/gateway.ts uses it to show
// what the event stream alone costs on this machine — the floor under Helix's full path.
import Fastify from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { EventBus } from '../../lib/event-bus.ts';
import { createKafka, ensureTopics } from '../../lib/kafka.ts';
import { newTrace } from '../../gateway/pipeline/trace.ts';
import { requestEvent, responseEvent } from '../../gateway/pipeline/events.ts';
import type { ChatRequest } from '../../core/llm.ts';

const upstream = process.env.UPSTREAM!;
const topicPrefix = process.env.HELIX_TOPIC_PREFIX ?? 'bench-floor.';
const kafka = createKafka((process.env.HELIX_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), 'helix-bench-floor');
await ensureTopics(kafka, topicPrefix);
const events = new EventBus({ kafka, topicPrefix, spoolDir: mkdtempSync(join(tmpdir(), 'helix-floor-spool-')) });
events.start();

const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async (request, reply) => {
  const body = request.body as ChatRequest;
  const trace = newTrace('/v1/chat/completions', String(request.id));
  trace.model = body.model;
  events.emit(requestEvent(trace, body.messages, false));
  const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  events.emit(responseEvent(trace));
  reply.status(res.statusCode).header('content-type', res.headers['content-type'] as string);
  return reply.send(text);
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
// Exit normally on SIGTERM so `--cpu-prof` (HELIX_BENCH_PROFILE) gets to write its profile.
process.on('SIGTERM', () => void events.close(2_000).finally(() => process.exit(0)));
