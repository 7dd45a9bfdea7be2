// The engine on the test run's Redis: two engines (two consumers of the group) share one state and raise one alert
// per incident; a redelivered batch is counted once; a failed publish gives the claim back; budget alerts are
// forwarded once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRedis, scanKeys, unlinkKeys, type RedisClient as Redis } from '../../lib/redis.ts';
import { createEngine, type Observation } from '../../consumers/anomaly/engine.ts';
import { SeriesStore } from '../../consumers/anomaly/series-store.ts';
import { analyticsSettings } from '../../schemas/config/analytics.ts';
import type { AnomalyEvent } from '../../schemas/events/anomaly.ts';
import type { DecodedMessage } from '../../lib/consume/sink.ts';
import type { BudgetAlert } from '../../schemas/events/ledger.ts';
import type { ResponseEvent } from '../../schemas/events.ts';

const WINDOW_MS = 10_000;
const settings = analyticsSettings({
  anomalies: {
    window_seconds: WINDOW_MS / 1000,
    history_windows: 20,
    min_history_windows: 5,
    cooldown_seconds: 600,
    detectors: { spend_spike: { dimensions: ['key', 'team'], min_value: 0.5, min_ratio: 3 }, token_spike: { enabled: false } },
  },
}).anomalies;

let offsets = 0;
/** A response whose cost (see costOf below) is `costUsd`: carried in prompt_tokens as micro-dollars. */
function response(keyId: string, teamId: string, costUsd: number, at: number, partition = 0): DecodedMessage<Observation> {
  const event = {
    event_id: randomUUID(), type: 'response', schema_version: 1, ts: new Date(at).toISOString(), request_id: randomUUID(),
    key_id: keyId, team_id: teamId, user_id: '', model: 'm', provider: 'mock', deployment: 'd', endpoint: 'chat', stream: false, status: 'ok',
    http_status: 200, error_type: '', error_message: '', finish_reason: 'stop', prompt_tokens: Math.round(costUsd * 1e6), completion_tokens: 0,
    total_tokens: Math.round(costUsd * 1e6), gateway_overhead_ms: 1, upstream_ttfb_ms: 1, upstream_ms: 1, total_ms: 2, attempts: [], cache: 'none',
  } as ResponseEvent;
  return { value: { kind: 'response', event }, topic: 'helix.responses', partition, offset: String(offsets++) };
}
const costOf = (e: ResponseEvent) => e.prompt_tokens / 1e6;

describe('anomaly engine (Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const published: AnomalyEvent[] = [];
  const publish = async (a: AnomalyEvent[]) => {
    published.push(...a);
  };
  const engine = (p: (a: AnomalyEvent[]) => Promise<void> = publish, group = 'g') =>
    createEngine({ store: new SeriesStore(redis, prefix, 3_600_000), settings, costOf, group, publish: p });

  before(async () => {
    redis = createRedis(process.env.HELIX_REDIS_URL ?? 'redis://127.0.0.1:6379');
    prefix = `test:anomaly:${randomBytes(4).toString('hex')}:`;
  });
  after(async () => {
    await unlinkKeys(redis, await scanKeys(redis, `*${prefix}*`));
    redis.disconnect();
  });

  it('two consumers sharing Redis raise exactly one alert for one spike, counting a redelivery once', async () => {
    const a = engine();
    const b = engine();
    const start = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - 10 * WINDOW_MS;
    // Ten windows of normal spend, split between the two consumers (two partitions of the responses topic).
    for (let w = 0; w < 10; w++) {
      const at = start + w * WINDOW_MS;
      await a.process([response('key_x', 'team_x', 0.05, at, 0), response('key_y', 'team_x', 0.05, at, 0)]);
      await b.process([response('key_z', 'team_x', 0.05, at + 1, 1)]);
    }
    assert.equal(published.length, 0, 'normal traffic raises nothing');

    const spikeAt = start + 10 * WINDOW_MS;
    const spike = Array.from({ length: 20 }, () => response('key_x', 'team_x', 0.2, spikeAt, 0));
    const first = await a.process(spike);
    // The same batch again (crash before the offset commit), on the other consumer after a rebalance.
    const again = await b.process(spike);
    const more = await a.process([response('key_x', 'team_x', 0.3, spikeAt + 1, 0)]);
    assert.equal(again.length + more.length, 0, 'cooldown: one incident, one alert');
    const kinds = first.map((x) => `${x.kind}:${x.dimension}:${x.entity}`).sort();
    assert.deepEqual(kinds, ['spend_spike:key:key_x', 'spend_spike:team:team_x']);
    const key = first.find((x) => x.dimension === 'key')!;
    assert.equal(key.key_id, 'key_x');
    assert.equal(key.team_id, 'team_x');
    assert.ok(Math.abs(key.observed - 4) < 1e-9, `the redelivered batch was counted once (observed ${key.observed})`);
    assert.ok(key.summary.includes('key_x'));
  });

  it('gives the claim back when publishing fails, so the retry alerts', async () => {
    let fail = true;
    const flaky = engine(async (a) => {
      if (fail) throw new Error('kafka down');
      published.push(...a);
    }, 'g2');
    const start = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - 10 * WINDOW_MS;
    for (let w = 0; w < 8; w++) await flaky.process([response('key_f', '', 0.01, start + w * WINDOW_MS, 3)]);
    const spike = Array.from({ length: 10 }, () => response('key_f', '', 0.5, start + 9 * WINDOW_MS, 3));
    await assert.rejects(flaky.process(spike), /kafka down/);
    fail = false;
    const retried = await flaky.process(spike);
    assert.deepEqual(retried.map((x) => x.entity), ['key_f']);
  });

  it('forwards a budget alert once, however often it is delivered', async () => {
    const e = engine(publish, 'g3');
    const alert = {
      event_id: randomUUID(), type: 'budget_alert', schema_version: 1, ts: new Date().toISOString(), request_id: '', key_id: 'key_b', team_id: 'team_b', user_id: '',
      scope: 'team:team_b', scope_kind: 'team', label: 'team_b', duration: '1d', period: 'd1@1', period_start: new Date().toISOString(), threshold: 1,
      severity: 'exceeded', limit_usd: 10, spent_usd: 10.5, trigger_event_id: randomUUID(),
    } as BudgetAlert;
    const msg = (offset: number): DecodedMessage<Observation> => ({ value: { kind: 'budget', event: alert }, topic: 'helix.budget-alerts', partition: 0, offset: String(offset) });
    const first = await e.process([msg(1)]);
    const second = await e.process([msg(1)]);
    assert.equal(first.length, 1);
    assert.equal(second.length, 0);
    assert.equal(first[0]!.kind, 'budget_alert');
    assert.equal(first[0]!.dimension, 'team');
    assert.equal(first[0]!.entity, 'team_b');
    assert.equal(first[0]!.severity, 'critical');
  });
});
