// A three-node Kafka cluster loses a broker (SIGKILL) under steady traffic: the one leading the partition the key's
// events go to. The gateway answers every request on time, and once the cluster has failed over every answered
// request has exactly one response row and one ledger entry in ClickHouse, and the key's budget spend in Redis is the
// ledger's sum — no event lost or booked twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { Partitioners } from 'kafkajs';
import { Redis } from 'ioredis';
import { BudgetKeys } from '../../core/budgets/store.ts';
import { LIFETIME, periodAt } from '../../core/budgets/periods.ts';
import { nanoFromDecimal } from '../../core/money.ts';
import { parseConfig } from '../../lib/config.ts';
import { createKafka } from '../../lib/kafka.ts';
import { topicName } from '../../schemas/topics.ts';
import { startKafkaCluster, type KafkaCluster, type KafkaInstance } from '../../stack/kafka.ts';
import { helixSql, startPipeline, waitFor, type Pipeline } from '../helpers/processes.ts';
import { createKey, testModelList, writeConfig, type TrafficKey } from '../helpers/traffic.ts';

const { ConfigResourceTypes } = kafkajs;
const RPS = 20;
const TRAFFIC_MS = 11_000;
const KILL_AT_MS = 4_000;
/** Far above the mock's answer time: only a gateway waiting on Kafka would take this long. */
const SLOW_MS = 5_000;

interface Call {
  id: string;
  ok: boolean;
  /** Sent this long after the traffic started. */
  at: number;
  ms: number;
  error?: string;
}

describe('Kafka cluster: a broker killed under traffic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helix-kafka-cluster-'));
  const config = { model_list: testModelList() };
  let cluster: KafkaCluster;
  let p: Pipeline;
  let key: TrafficKey;

  before(async () => {
    cluster = await startKafkaCluster({ dataDir: join(dir, 'kafka'), fresh: true });
    p = await startPipeline({ HELIX_KAFKA_BROKERS: cluster.brokers.join(','), HELIX_CONFIG: writeConfig(dir, config) });
    key = await createKey(p.gatewayUrl, p.env.HELIX_MASTER_KEY!, { max_budget: 50 });
  });
  after(async () => {
    await p?.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = async () => {
    const a = createKafka(cluster.brokers, 'test-kafka-cluster').admin();
    await a.connect();
    return a;
  };

  /** The node leading the responses partition the key's events go to (the gateway keys events by key id). */
  const leaderOfKeyPartition = async (): Promise<KafkaInstance> => {
    const a = await admin();
    try {
      const topic = topicName('responses', p.env.HELIX_TOPIC_PREFIX);
      const [metadata] = (await a.fetchTopicMetadata({ topics: [topic] })).topics;
      const partition = Partitioners.DefaultPartitioner()({ topic, partitionMetadata: metadata!.partitions, message: { key: key.keyId, value: null } });
      const leader = metadata!.partitions.find((x) => x.partitionId === partition)!.leader;
      return cluster.nodes[leader - 1]!;
    } finally {
      await a.disconnect();
    }
  };

  const send = async (id: string, stream: boolean, at: number): Promise<Call> => {
    const t0 = performance.now();
    const content = `cluster ${id}`;
    try {
      const res = await fetch(`${p.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify({ model: 'mock/echo', stream, max_tokens: 32, messages: [{ role: 'user', content }] }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      const answered = stream ? text.includes('data: [DONE]') && !text.includes('data: {"error"') : (JSON.parse(text) as { choices?: Array<{ message: { content: string } }> }).choices?.[0]?.message.content === content;
      return { id, ok: res.status === 200 && answered, at, ms: performance.now() - t0, error: res.status === 200 ? undefined : `${res.status} ${text.slice(0, 200)}` };
    } catch (err) {
      return { id, ok: false, at, ms: performance.now() - t0, error: (err as Error).message };
    }
  };

  it('creates the topics with 3 replicas, 2 of them needed for a write', async () => {
    const a = await admin();
    try {
      const topics = (['responses', 'ledger'] as const).map((id) => topicName(id, p.env.HELIX_TOPIC_PREFIX));
      const { topics: metadata } = await a.fetchTopicMetadata({ topics });
      for (const t of metadata) for (const partition of t.partitions) assert.equal(partition.replicas.length, 3, `${t.name}/${partition.partitionId}`);
      const { resources } = await a.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })) });
      for (const r of resources) assert.equal(r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue, '2', r.resourceName);
    } finally {
      await a.disconnect();
    }
  });

  it('answers every request and loses, duplicates or double-books nothing', { timeout: 150_000 }, async (t) => {
    const victim = await leaderOfKeyPartition();
    const run = `kc${Date.now().toString(36)}`;
    const calls: Array<Promise<Call>> = [];
    const t0 = performance.now();
    let killedAt: number | undefined;
    let failover: Promise<number> | undefined;
    for (let i = 0; i < (RPS * TRAFFIC_MS) / 1000; i++) {
      const due = t0 + (i * 1000) / RPS;
      await sleep(Math.max(0, due - performance.now()));
      if (killedAt === undefined && due - t0 >= KILL_AT_MS) {
        process.kill(victim.pid, 'SIGKILL');
        const at = (killedAt = performance.now());
        failover = waitFor('the partition to move to a live broker', async () => (await leaderOfKeyPartition()).pid !== victim.pid, 60_000, 250).then(() => performance.now() - at);
      }
      calls.push(send(`${run}-${i}`, i % 3 === 0, due - t0));
    }
    const done = await Promise.all(calls);
    const failoverMs = await failover!;
    await waitFor('the killed broker to be gone', async () => !victim.isRunning(), 10_000, 50);

    const failed = done.filter((c) => !c.ok);
    assert.deepEqual(failed, [], 'every request is answered while a broker is down');
    const byTime = [...done].sort((a, b) => a.ms - b.ms);
    const slowest = byTime.at(-1)!;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    t.diagnostic(`Kafka cluster up in ${s(cluster.startupMs)}; ${done.length} requests at ${RPS}/s, broker ${victim.brokers[0]} killed at ${s(killedAt! - t0)}, its partition led elsewhere ${s(failoverMs)} later`);
    t.diagnostic(`answers: p50 ${byTime[Math.floor(done.length / 2)]!.ms.toFixed(0)} ms, p99 ${byTime[Math.floor(done.length * 0.99)]!.ms.toFixed(0)} ms, slowest ${slowest.ms.toFixed(0)} ms (sent at ${s(slowest.at)})`);
    assert.ok(slowest.ms < SLOW_MS, `no answer waits for Kafka (slowest ${slowest.ms.toFixed(0)} ms)`);

    const ids = new Set(done.map((c) => c.id));
    const rowsPerId = async (table: string) => {
      const rows = await helixSql<{ request_id: string; n: number | string }>(p.env, `SELECT request_id, count() AS n FROM helix.${table} WHERE startsWith(request_id, '${run}-') GROUP BY request_id`);
      return new Map(rows.map((r) => [r.request_id, Number(r.n)]));
    };
    const settleStarted = Date.now();
    let landed = { responses: new Map<string, number>(), ledger_entries: new Map<string, number>() };
    const missing = (rows: Map<string, number>) => [...ids].filter((id) => !rows.has(id));
    await waitFor(
      'a response row and a ledger entry for every answered request',
      async () => {
        landed = { responses: await rowsPerId('responses'), ledger_entries: await rowsPerId('ledger_entries') };
        return missing(landed.responses).length + missing(landed.ledger_entries).length === 0;
      },
      60_000,
      1_000,
    ).catch(() => undefined);
    t.diagnostic(`events in ClickHouse ${((Date.now() - settleStarted) / 1000).toFixed(1)} s after the traffic`);
    for (const [table, rows] of Object.entries(landed)) {
      assert.deepEqual(missing(rows), [], `${table}: a row for every answered request`);
      assert.deepEqual([...rows.keys()].filter((id) => !ids.has(id)), [], `${table}: no rows for requests never sent`);
      assert.deepEqual([...rows].filter(([, n]) => n !== 1), [], `${table}: exactly one row per request`);
    }

    const [ledger] = await helixSql<{ cost: string }>(p.env, `SELECT toString(sum(cost_usd)) AS cost FROM helix.ledger_entries WHERE key_id = '${key.keyId}'`);
    const ledgerNano = nanoFromDecimal(ledger!.cost);
    assert.ok(ledgerNano > 0, 'the requests were charged');
    const redis = new Redis(process.env.HELIX_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      const spendKey = new BudgetKeys(parseConfig(config).helix_settings.budgets.redis_prefix).spend(`key:${key.keyId}`, periodAt(LIFETIME, Date.now()).id);
      // The ledger books into Redis as it reads the ledger topic: equal once it has caught up.
      const spent = await waitFor('Redis spend to equal the ledger', async () => {
        const value = Number((await redis.get(spendKey)) ?? 0);
        return value === ledgerNano ? value : undefined;
      }, 20_000, 250).catch(async () => Number((await redis.get(spendKey)) ?? 0));
      assert.equal(spent, ledgerNano, 'Redis budget spend equals the ledger sum');
    } finally {
      redis.disconnect();
    }
  });
});
