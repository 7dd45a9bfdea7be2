// ClickHouse goes away for 30 s while traffic flows: the gateway keeps answering, the sink retries with backoff
// (and says so on its metrics: retrying, growing lag), and afterwards every event is in ClickHouse exactly once —
// raw tables and the rollups the materialized views feed — and none was taken for bad data and dead-lettered.
// "ClickHouse" is stack/clickhouse-server.ts (ClickHouse's HTTP interface over chdb) in its own process, so it can
// be killed on its own and the sink runs in its real CLICKHOUSE_URL mode.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createKafka } from '../../lib/kafka.ts';
import { topicName } from '../../schemas/topics.ts';
import { freePort } from '../../stack/ports.ts';
import { repoRoot } from '../../lib/paths.ts';
import { startPipeline, helixSql, waitFor, type Pipeline } from '../helpers/processes.ts';
import { chat, createKey, testModelList, writeConfig, type TrafficKey } from '../helpers/traffic.ts';

const OUTAGE_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ClickHouse outage', () => {
  let dir: string;
  let port: number;
  let metricsPort: number;
  let server: ChildProcess | undefined;
  /** How the server process ended, if it did on its own (a crash must fail the test, not look like the outage). */
  let unexpectedExit: string | undefined;
  let p: Pipeline;
  let key: TrafficKey;

  const startServer = async () => {
    const log = openSync(join(dir, 'clickhouse-server.log'), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'stack/clickhouse-server.ts'), '--port', String(port), '--path', join(dir, 'clickhouse')], { cwd: repoRoot, stdio: ['ignore', log, log] });
    child.once('exit', (code, signal) => {
      if (server === child) unexpectedExit = `code ${code}, signal ${signal}`;
    });
    server = child;
    await waitFor('clickhouse-compatible server', async () => (await fetch(`http://127.0.0.1:${port}/ping`)).ok, 30_000, 100);
  };
  const killServer = async () => {
    assert.equal(unexpectedExit, undefined, 'the ClickHouse server ran until it was killed');
    const s = server!;
    server = undefined;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGKILL');
    await exited;
  };
  const metrics = async () => {
    try {
      return await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    } catch (err) {
      throw new Error(`consumers metrics unreachable (${(err as Error).message}); ClickHouse server exit: ${unexpectedExit ?? 'none'}\n${p.consumers.log().slice(-3000)}`);
    }
  };
  const deadLetterCount = async () => {
    const admin = createKafka((process.env.HELIX_KAFKA_BROKERS ?? '').split(','), 'test-outage-admin').admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topicName('deadLetter', p.env.HELIX_TOPIC_PREFIX));
      return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
    } finally {
      await admin.disconnect();
    }
  };
  const gauge = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'helix-ch-outage-'));
    port = await freePort();
    metricsPort = await freePort();
    await startServer();
    const config = writeConfig(dir, { model_list: testModelList() });
    p = await startPipeline({
      HELIX_CONFIG: config,
      CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
      // startPipeline waits for the analytics endpoint: with a ClickHouse server that is the server itself.
      HELIX_QUERY_URL: `http://127.0.0.1:${port}`,
      HELIX_CONSUMERS: 'clickhouse-sink,ledger',
      HELIX_CONSUMERS_METRICS_PORT: String(metricsPort),
    });
    key = await createKey(p.gatewayUrl, p.env.HELIX_MASTER_KEY!, { team_id: 'team-outage' });
    // The outage is meant to hit a running sink, not one still starting (its metrics come up with its consume loop).
    await waitFor('the sink consuming', async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok, 60_000, 200);
  });
  after(async () => {
    await p?.stop();
    server?.kill('SIGTERM');
  });

  it('keeps serving, retries, and lands every event exactly once after 30 s down', async (t) => {
    let sent = 0;
    let failed = 0;
    let running = true;
    // Steady traffic, four requests in flight, for the whole test.
    const traffic = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (running) {
          const status = await chat(p.gatewayUrl, key.key, { model: 'mock/echo', content: `outage ${randomUUID()}`, stream: sent % 5 === 0 });
          if (status === 200) sent++;
          else failed++;
          await sleep(20);
        }
      }),
    );
    await sleep(3_000);
    await killServer();
    const downAt = Date.now();
    await sleep(OUTAGE_MS / 2);
    const during = await metrics();
    assert.equal(gauge(during, 'helix_consumer_retrying', 'group="helix-clickhouse-sink"'), 1, 'the sink reports it is retrying');
    const lagDuring = gauge(during, 'helix_consumer_lag_total', `group="${p.env.HELIX_TOPIC_PREFIX}helix-clickhouse-sink"`);
    assert.ok(lagDuring > 0, `lag grows while ClickHouse is down (${lagDuring})`);
    await sleep(OUTAGE_MS - (Date.now() - downAt));
    const sentDuringOutage = sent;
    await startServer();
    await sleep(3_000);
    running = false;
    await traffic;
    assert.equal(failed, 0, 'no request failed because ClickHouse was down');
    assert.ok(sentDuringOutage > 100, `traffic flowed during the outage (${sentDuringOutage} requests by its end)`);

    const expect = sent;
    const counts = await waitFor(
      'every event in ClickHouse',
      async () => {
        const [r] = await helixSql<Record<string, number>>(
          p.env,
          `SELECT (SELECT count() FROM helix.requests) AS requests, (SELECT uniqExact(event_id) FROM helix.requests) AS request_ids,
                  (SELECT count() FROM helix.responses) AS responses, (SELECT uniqExact(event_id) FROM helix.responses) AS response_ids,
                  (SELECT count() FROM helix.ledger_entries) AS ledger, (SELECT uniqExact(event_id) FROM helix.ledger_entries) AS ledger_ids,
                  (SELECT sum(requests) FROM helix.usage_1m) AS rollup_requests, (SELECT sum(requests) FROM helix.usage_1d) AS daily_requests,
                  (SELECT sum(requests) FROM helix.spend_1m) AS spend_requests`,
        );
        assert.equal(unexpectedExit, undefined, 'the restarted ClickHouse server keeps running');
        return r && r.responses! >= expect && r.requests! >= expect && r.ledger! >= expect ? r : undefined;
      },
      120_000,
      1_000,
    );
    assert.deepEqual(counts, {
      requests: expect,
      request_ids: expect,
      responses: expect,
      response_ids: expect,
      ledger: expect,
      ledger_ids: expect,
      rollup_requests: expect,
      daily_requests: expect,
      spend_requests: expect,
    });
    const recovered = await waitFor('lag back to zero', async () => {
      const m = await metrics();
      return gauge(m, 'helix_consumer_lag_total', `group="${p.env.HELIX_TOPIC_PREFIX}helix-clickhouse-sink"`) === 0 ? m : undefined;
    }, 30_000, 500);
    assert.equal(gauge(recovered, 'helix_consumer_retrying', 'group="helix-clickhouse-sink"'), 0);
    assert.match(p.consumers.log(), /sink write failed; retrying/);
    // An outage is waited out, never taken for bad data: nothing went to the dead-letter topic.
    assert.equal(gauge(recovered, 'helix_consumer_messages_total', 'group="helix-clickhouse-sink",outcome="dead_lettered"'), 0);
    assert.equal(await deadLetterCount(), 0, 'the dead-letter topic is empty');
    t.diagnostic(`${expect} requests (${2 * expect} events + ${expect} ledger entries), ${sentDuringOutage} sent by the end of the 30 s outage; lag during the outage ${lagDuring}`);
  });
});
