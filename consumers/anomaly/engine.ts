// Turns a batch of observations into anomalies: contributions → shared series in Redis (exactly once per partition
// offset) → evaluation of each touched series' latest window → one claim per incident (entity × detector group,
// with cooldown) → publish. Evaluation happens as events arrive, on the window still filling, so a spike is
// reported while it happens rather than after its window closes.
import { Counter } from 'prom-client';
import type { AnomalySettings } from '../../schemas/config/analytics.ts';
import type { AnomalyDimension, AnomalyEvent } from '../../schemas/events/anomaly.ts';
import type { ResponseEvent } from '../../schemas/events.ts';
import type { PiiEvent } from '../../schemas/events/pii.ts';
import type { BudgetAlert } from '../../schemas/events/ledger.ts';
import type { DecodedMessage } from '../../lib/consume/sink.ts';
import { registry } from '../../lib/consume/metrics.ts';
import { statisticalAnomaly, type Subject } from './anomaly-event.ts';
import { budgetAlertToAnomaly } from './budget.ts';
import { SPECS, STAT_DETECTORS, entityOf, evaluate, responseContribution, type StatDetector, type Window } from './detectors.ts';
import type { SeriesStore, SeriesUpdate } from './series-store.ts';

export type Observation =
  | { kind: 'response'; event: ResponseEvent }
  | { kind: 'pii'; event: PiiEvent }
  | { kind: 'budget'; event: BudgetAlert }
  | { kind: 'skip' };

export interface EngineDeps {
  store: SeriesStore;
  settings: AnomalySettings;
  /** USD a response cost: the ledger's own pricing of it (consumers/ledger/entries.ts), so spend anomalies and budgets agree. */
  costOf(e: ResponseEvent): number;
  /** Consumer group id (watermarks are per group and partition). */
  group: string;
  /** Must resolve only once the anomalies are durably published. */
  publish(anomalies: AnomalyEvent[]): Promise<void>;
  now?: () => number;
}

const anomaliesTotal = new Counter({ name: 'helix_anomalies_total', help: 'Anomalies published, by kind and severity', labelNames: ['kind', 'severity'], registers: [registry] });

/** Budget alerts are forwarded once each: their claim outlives any redelivery. */
const BUDGET_CLAIM_MS = 7 * 86_400_000;

function subjectOf(dimension: AnomalyDimension, entity: string, e: { key_id: string; team_id: string; user_id: string }): Subject {
  return {
    dimension,
    entity,
    key_id: dimension === 'key' ? e.key_id : '',
    team_id: dimension === 'key' || dimension === 'team' || dimension === 'user' ? e.team_id : '',
    user_id: dimension === 'key' || dimension === 'user' ? e.user_id : '',
  };
}

interface Contribution {
  detector: StatDetector;
  subject: Subject;
  window: number;
  value: Window;
}

/** Every (detector, entity) sample an observation contributes. */
function contributions(o: Observation, settings: AnomalySettings, costOf: (e: ResponseEvent) => number, windowMs: number): Contribution[] {
  if (o.kind !== 'response' && o.kind !== 'pii') return [];
  const window = Math.floor(Date.parse(o.event.ts) / windowMs);
  if (!Number.isFinite(window)) return [];
  const spend = o.kind === 'response' && settings.detectors.spend_spike.enabled ? costOf(o.event) : 0;
  const out: Contribution[] = [];
  for (const detector of STAT_DETECTORS) {
    const cfg = settings.detectors[detector];
    if (!cfg.enabled || SPECS[detector].source !== o.kind) continue;
    const value = o.kind === 'response' ? responseContribution(detector, o.event, spend) : { num: 1, den: 1 };
    if (!value) continue;
    for (const dimension of cfg.dimensions) {
      const entity = entityOf(dimension, o.event);
      if (entity) out.push({ detector, subject: subjectOf(dimension, entity, o.event), window, value });
    }
  }
  return out;
}

interface Candidate {
  claimKey: string;
  claimMs: number;
  priority: number;
  anomaly: AnomalyEvent;
}

export function createEngine(deps: EngineDeps) {
  const { store, settings } = deps;
  const windowMs = settings.window_seconds * 1000;
  const evalOpts = { historyWindows: settings.history_windows, minHistoryWindows: settings.min_history_windows, zThreshold: settings.z_threshold };

  /** One partition's messages: apply fresh contributions, evaluate every series they touch. */
  async function partitionCandidates(msgs: Array<DecodedMessage<Observation>>): Promise<Candidate[]> {
    const { topic, partition } = msgs[0]!;
    const wmKey = store.watermarkKey(deps.group, topic, partition);
    const expected = await store.watermark(wmKey);
    const appliedUpTo = expected === '' ? -1n : BigInt(expected);
    let last = appliedUpTo;
    const updates = new Map<string, SeriesUpdate>();
    const touched = new Map<string, { detector: StatDetector; subject: Subject; current: number }>();
    const candidates: Candidate[] = [];
    for (const m of msgs) {
      const offset = BigInt(m.offset);
      const fresh = offset > appliedUpTo;
      if (offset > last) last = offset;
      if (m.value.kind === 'budget') {
        if (m.value.event.threshold < settings.budget_alerts.min_threshold) continue;
        const anomaly = budgetAlertToAnomaly(m.value.event);
        candidates.push({ claimKey: `${store.prefix}budget:${m.value.event.event_id}`, claimMs: BUDGET_CLAIM_MS, priority: -1, anomaly });
        continue;
      }
      for (const c of contributions(m.value, settings, deps.costOf, windowMs)) {
        const key = store.seriesKey(c.detector, c.subject.dimension, c.subject.entity);
        const t = touched.get(key);
        if (!t || c.window >= t.current) touched.set(key, { detector: c.detector, subject: c.subject, current: c.window });
        // Already applied (a redelivery): re-evaluated below, not counted again.
        if (!fresh) continue;
        const u = updates.get(key) ?? { key, windows: new Map<number, Window>(), keepFrom: 0 };
        const w = u.windows.get(c.window) ?? { num: 0, den: 0 };
        w.num += c.value.num;
        w.den += c.value.den;
        u.windows.set(c.window, w);
        updates.set(key, u);
      }
    }
    for (const u of updates.values()) u.keepFrom = Math.max(...u.windows.keys()) - settings.history_windows - 2;
    const next = last > appliedUpTo ? String(last) : '';
    const views = await store.apply(wmKey, expected, next, [...updates.values()], [...touched.keys()]);
    for (const [key, t] of touched) {
      const series = views.get(key);
      const verdict = series && evaluate(t.detector, settings.detectors, series, t.current, evalOpts);
      if (!verdict) continue;
      const group = SPECS[t.detector].group;
      const anomaly = statisticalAnomaly(t.detector, SPECS[t.detector].metric, t.subject, verdict, { startMs: t.current * windowMs, seconds: settings.window_seconds }, settings.critical_factor, deps.now?.());
      candidates.push({
        claimKey: `${store.prefix}cd:${t.subject.dimension}:${t.subject.entity}:${group}`,
        claimMs: settings.cooldown_seconds * 1000,
        priority: STAT_DETECTORS.indexOf(t.detector),
        anomaly,
      });
    }
    return candidates;
  }

  return {
    /** Returns the anomalies it published. Throws (after giving its claims back) if publishing failed. */
    async process(batch: Array<DecodedMessage<Observation>>): Promise<AnomalyEvent[]> {
      const partitions = new Map<string, Array<DecodedMessage<Observation>>>();
      for (const m of batch) {
        const k = `${m.topic}\u0000${m.partition}`;
        const list = partitions.get(k);
        if (list) list.push(m);
        else partitions.set(k, [m]);
      }
      // One incident (entity × detector group) yields one candidate: the highest-priority detector.
      const best = new Map<string, Candidate>();
      for (const msgs of partitions.values()) {
        for (const c of await partitionCandidates(msgs)) {
          const seen = best.get(c.claimKey);
          if (!seen || c.priority < seen.priority) best.set(c.claimKey, c);
        }
      }
      const claimed: Candidate[] = [];
      for (const c of best.values()) if (await store.claim(c.claimKey, c.anomaly.event_id, c.claimMs)) claimed.push(c);
      if (claimed.length === 0) return [];
      try {
        await deps.publish(claimed.map((c) => c.anomaly));
      } catch (err) {
        await Promise.all(claimed.map((c) => store.release(c.claimKey, c.anomaly.event_id).catch(() => undefined)));
        throw err;
      }
      for (const c of claimed) anomaliesTotal.inc({ kind: c.anomaly.kind, severity: c.anomaly.severity });
      return claimed.map((c) => c.anomaly);
    },
  };
}
