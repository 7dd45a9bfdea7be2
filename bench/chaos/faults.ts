// The faults, one after another. Each injects its fault, holds it for `holdMs` while traffic flows (watching the
// gateway's /health/ready for evidence that the fault was felt), then starts healing and says when it began: the
// recovery clock starts there, so a service's own restart time counts as time to recover.
import { setTimeout as sleep } from 'node:timers/promises';
import { killNow, type Cluster } from './cluster.ts';
import type { Traffic } from './traffic.ts';

export interface FaultContext {
  cluster: Cluster;
  traffic: Traffic;
  holdMs: number;
  /** Traffic rate, to size the spool cap. */
  rps: number;
  say(line: string): void;
}

export interface FaultRun {
  /** When the healing began (the service was started again) and when the service answered again. */
  healStartedAt: number;
  healedAt: number;
  /** What shows the fault was real: a killed process, what the gateway reported. */
  evidence: string[];
  /** False when the fault did not take hold (e.g. no stream was running to cut): the row proves less. */
  felt: boolean;
}

export interface Fault {
  name: string;
  /** Runs with traffic paused; a returned text skips the row (why). */
  prepare?(ctx: FaultContext): Promise<string | undefined>;
  run(ctx: FaultContext): Promise<FaultRun>;
}

interface KafkaHealth {
  status: string;
  spooled: number;
  spool_bytes?: number;
  spool_max_bytes?: number;
  accepting?: boolean;
  dropped?: Record<string, number>;
}

interface Health {
  components: { kafka: KafkaHealth; redis: { status: string }; analytics: { status: string } };
}

export async function readHealth(url: string): Promise<Health | undefined> {
  try {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    return (await res.json()) as Health;
  } catch {
    return undefined;
  }
}

/** Polls /health/ready for `ms` (every 500 ms), handing each answer to `seen`. */
async function watch(ctx: FaultContext, ms: number, seen: (h: Health) => void): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const h = await readHealth(ctx.cluster.gatewayUrl);
    if (h) seen(h);
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
  }
}

const dropped = (k: KafkaHealth) => Object.values(k.dropped ?? {}).reduce((a, b) => a + b, 0);

/** Baseline: no fault, the same measurements — what every row is compared with. */
export const noFault: Fault = {
  name: 'none (baseline)',
  async run(ctx) {
    await sleep(ctx.holdMs);
    return { healStartedAt: Date.now(), healedAt: Date.now(), evidence: [], felt: true };
  },
};

export const kafkaKill: Fault = {
  name: 'kill -9 Kafka, restart',
  async run(ctx) {
    await ctx.cluster.killKafka();
    let spooled = 0;
    await watch(ctx, ctx.holdMs, (h) => (spooled = Math.max(spooled, h.components.kafka.spooled)));
    const healStartedAt = Date.now();
    await ctx.cluster.kafka.start();
    return { healStartedAt, healedAt: Date.now(), evidence: [`gateway spooled up to ${spooled} events`], felt: spooled > 0 };
  },
};

export const consumersKill: Fault = {
  name: 'kill -9 consumers, restart',
  async run(ctx) {
    const consumers = ctx.cluster.consumers;
    await killNow(consumers);
    const signal = consumers?.child.signalCode;
    await sleep(ctx.holdMs);
    const healStartedAt = Date.now();
    await ctx.cluster.startConsumers();
    return { healStartedAt, healedAt: Date.now(), evidence: [`consumers ended by ${signal ?? 'nothing'}`], felt: signal === 'SIGKILL' };
  },
};

/** A service taken away for the hold and started again; felt when the gateway reported its component down. */
function serviceOutage(name: string, service: string, component: 'redis' | 'analytics', take: (c: Cluster) => Promise<void>, bring: (c: Cluster) => Promise<void>): Fault {
  return {
    name,
    async run(ctx) {
      await take(ctx.cluster);
      let down = 0;
      await watch(ctx, ctx.holdMs, (h) => (down += h.components[component].status === 'down' ? 1 : 0));
      const healStartedAt = Date.now();
      await bring(ctx.cluster);
      return { healStartedAt, healedAt: Date.now(), evidence: [`gateway reported ${service} down ${down}×`], felt: down > 0 };
    },
  };
}

export const redisRestart = serviceOutage('restart Redis', 'Redis', 'redis', (c) => c.redis.stop(), (c) => c.redis.start());

export const clickhouseOutage = serviceOutage('ClickHouse down, back', 'ClickHouse', 'analytics', (c) => c.clickhouse.kill(), (c) => c.clickhouse.start());

/** A spool cap the traffic fills in about half the hold (≈2 KB of events per request), at least 16 KiB. */
const spoolCapMb = (ctx: FaultContext) => Math.max(16 * 1024, (ctx.rps * 2048 * ctx.holdMs) / 1000 / 2) / (1024 * 1024);

export const spoolFull: Fault = {
  name: 'spool quota full',
  async prepare(ctx) {
    // A small cap only for this row: restarted gracefully (SIGTERM drains), so the restart itself loses nothing.
    const capMb = spoolCapMb(ctx);
    await ctx.cluster.gateway?.stop();
    try {
      await ctx.cluster.startGateway({ spool_max_mb: capMb });
    } catch (err) {
      await ctx.cluster.startGateway();
      return `the gateway does not start with helix_settings.events.spool_max_mb (${(err as Error).message.split('\n')[0]})`;
    }
    const h = await readHealth(ctx.cluster.gatewayUrl);
    const applied = h?.components.kafka.spool_max_bytes;
    if (applied !== Math.round(capMb * 1024 * 1024)) return `helix_settings.events.spool_max_mb is not applied by the gateway yet (asked ${Math.round(capMb * 1024 * 1024)} bytes, /health/ready says spool_max_bytes=${applied ?? 'absent'})`;
    return undefined;
  },
  async run(ctx) {
    await ctx.cluster.killKafka();
    let refusing = false;
    let bytes = 0;
    let drops = 0;
    const seen = (h: Health) => {
      refusing ||= h.components.kafka.accepting === false;
      bytes = Math.max(bytes, h.components.kafka.spool_bytes ?? 0);
      drops = Math.max(drops, dropped(h.components.kafka));
    };
    // Until the spool reaches the point where it sheds (bounded), then the hold at the cap.
    const deadline = Date.now() + Math.max(20_000, 4 * ctx.holdMs);
    while (!refusing && Date.now() < deadline) await watch(ctx, 500, seen);
    await watch(ctx, ctx.holdMs, seen);
    const healStartedAt = Date.now();
    await ctx.cluster.kafka.start();
    const healedAt = Date.now();
    const cap = (await readHealth(ctx.cluster.gatewayUrl))?.components.kafka.spool_max_bytes ?? 0;
    return {
      healStartedAt,
      healedAt,
      evidence: [`spool reached ${bytes} of ${cap} bytes`, refusing ? 'gateway reported accepting=false' : 'cap never reached', `${drops} events dropped by the bus`],
      felt: refusing,
    };
  },
};

export const gatewayKill: Fault = {
  name: 'kill -9 gateway mid-stream, restart',
  async run(ctx) {
    // Killed while a stream is being answered and at the moment another request has just been answered — as it
    // would be at any production rate, where some answer always went out a few ms before (bounded wait).
    const gateway = ctx.cluster.gateway;
    let killed: { id: string; kind: string; midway: number } | undefined;
    ctx.traffic.onAnswered = (call) => {
      const midway = ctx.traffic.streamsMidway();
      if (killed || midway === 0 || call.kind === 'slow-stream') return;
      gateway?.child.kill('SIGKILL');
      killed = { id: call.id, kind: call.kind, midway };
    };
    const deadline = Date.now() + 15_000;
    while (!killed && Date.now() < deadline) await sleep(20);
    ctx.traffic.onAnswered = undefined;
    const midway = killed?.midway ?? ctx.traffic.streamsMidway();
    await killNow(gateway);
    await sleep(ctx.holdMs);
    const healStartedAt = Date.now();
    await ctx.cluster.startGateway();
    const evidence = [`${midway} stream(s) mid-answer when killed`, killed ? `killed right after ${killed.id} (${killed.kind}) was answered` : 'killed without an answer just before'];
    return { healStartedAt, healedAt: Date.now(), evidence, felt: midway > 0 };
  },
};

export const FAULTS: Fault[] = [noFault, kafkaKill, consumersKill, redisRestart, clickhouseOutage, spoolFull, gatewayKill];
