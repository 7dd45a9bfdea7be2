// Budget periods. A duration (`1d`, `30d`, `12h`, `1mo`, `daily`, `weekly`, `monthly`, none = lifetime) becomes a
// period *spec*; a spec and a timestamp give the period's index, so every gateway and the ledger name the same
// counter for the same moment without coordinating: spend:<spec>@<index>. A new period is a new counter — that is
// the reset; old counters expire.
// Periods are aligned to the UTC calendar: days start at 00:00 UTC, weeks on Monday, months on the 1st; other
// lengths (`30d`, `12h`) are counted from 1970-01-01 00:00 UTC (so a `30d` budget resets every 30 days for everyone
// at once rather than 30 days after each key's creation — the counters stay shared and replayable).

export type PeriodSpec =
  | { kind: 'lifetime' }
  | { kind: 'fixed'; seconds: number; offsetSeconds: number }
  | { kind: 'months'; months: number };

export interface Period {
  /** Counter suffix, e.g. `d1@20419`, `w1@2917`, `mo1@682`, `s2592000@680`, `all@0`. */
  id: string;
  startMs: number;
  /** When the next period starts (the budget resets); Infinity for a lifetime budget. */
  endMs: number;
}

const DAY = 86_400;
const WEEK_OFFSET = 4 * DAY; // 1970-01-01 was a Thursday; weeks start on Monday 1970-01-05
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: DAY, w: 7 * DAY };

export const DAILY: PeriodSpec = { kind: 'fixed', seconds: DAY, offsetSeconds: 0 };
export const WEEKLY: PeriodSpec = { kind: 'fixed', seconds: 7 * DAY, offsetSeconds: WEEK_OFFSET };
export const MONTHLY: PeriodSpec = { kind: 'months', months: 1 };
export const LIFETIME: PeriodSpec = { kind: 'lifetime' };

/** The periods the ledger always keeps per scope (reports and the optimizer's "X % of budget" read them). */
export const DEFAULT_SPECS: PeriodSpec[] = [DAILY, WEEKLY, MONTHLY];

const parsed = new Map<string, PeriodSpec>();

/** Parses a budget_duration (memoized: it runs on every budgeted request); throws a readable error for anything else. */
export function parseDuration(duration: string | undefined | null): PeriodSpec {
  if (duration === undefined || duration === null || duration === '') return LIFETIME;
  let spec = parsed.get(duration);
  if (!spec) {
    spec = parseDurationText(duration);
    if (parsed.size < 1000) parsed.set(duration, spec);
  }
  return spec;
}

function parseDurationText(duration: string): PeriodSpec {
  const d = duration.trim().toLowerCase();
  if (d === 'daily') return DAILY;
  if (d === 'weekly') return WEEKLY;
  if (d === 'monthly') return MONTHLY;
  const m = /^(\d+)\s*(mo|s|m|h|d|w)$/.exec(d);
  if (!m || Number(m[1]) < 1) throw new Error(`invalid budget_duration "${duration}": use e.g. 30s, 15m, 12h, 1d, 7d, 1w, 1mo, daily, weekly or monthly`);
  const n = Number(m[1]);
  // Beyond a century a period's end is no date: refused where it is set, not when a request meets it.
  const tooLong = () => new Error(`invalid budget_duration "${duration}": at most 100 years; leave it out for a lifetime budget`);
  if (m[2] === 'mo') {
    if (n > 1200) throw tooLong();
    return { kind: 'months', months: n };
  }
  const seconds = n * UNIT_SECONDS[m[2]!]!;
  if (seconds > 100 * 366 * DAY) throw tooLong();
  // A whole number of weeks is calendar weeks (Monday start), like `weekly`.
  return { kind: 'fixed', seconds, offsetSeconds: seconds % (7 * DAY) === 0 ? WEEK_OFFSET : 0 };
}

/** A stable short name of a spec (part of Redis keys and ledger entries). */
export function specName(spec: PeriodSpec): string {
  if (spec.kind === 'lifetime') return 'all';
  if (spec.kind === 'months') return `mo${spec.months}`;
  if (spec.seconds % (7 * DAY) === 0 && spec.offsetSeconds === WEEK_OFFSET) return `w${spec.seconds / (7 * DAY)}`;
  if (spec.seconds % DAY === 0 && spec.offsetSeconds === 0) return `d${spec.seconds / DAY}`;
  return `s${spec.seconds}`;
}

/** The spec a specName() stands for (ledger entries name their counters by it). */
export function specFromName(name: string): PeriodSpec | undefined {
  if (name === 'all') return LIFETIME;
  const m = /^(mo|w|d|s)(\d+)$/.exec(name);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (m[1] === 'mo') return { kind: 'months', months: n };
  if (m[1] === 'w') return { kind: 'fixed', seconds: n * 7 * DAY, offsetSeconds: WEEK_OFFSET };
  return { kind: 'fixed', seconds: m[1] === 'd' ? n * DAY : n, offsetSeconds: 0 };
}

/** The period a counter id (`d1@20419`) names; undefined for a malformed id. */
export function periodFromId(id: string): Period | undefined {
  const [name, index] = id.split('@');
  const spec = name ? specFromName(name) : undefined;
  if (!spec || index === undefined || !/^-?\d+$/.test(index)) return undefined;
  const i = Number(index);
  if (spec.kind === 'lifetime') return { id, startMs: 0, endMs: Number.POSITIVE_INFINITY };
  if (spec.kind === 'fixed') {
    const len = spec.seconds * 1000;
    const off = spec.offsetSeconds * 1000;
    return { id, startMs: i * len + off, endMs: (i + 1) * len + off };
  }
  return periodAt(spec, Date.UTC(1970 + Math.floor((i * spec.months) / 12), (i * spec.months) % 12, 1));
}

/** The period of `spec` that contains `ms`. */
export function periodAt(spec: PeriodSpec, ms: number): Period {
  const name = specName(spec);
  if (spec.kind === 'lifetime') return { id: `${name}@0`, startMs: 0, endMs: Number.POSITIVE_INFINITY };
  if (spec.kind === 'fixed') {
    const len = spec.seconds * 1000;
    const off = spec.offsetSeconds * 1000;
    const index = Math.floor((ms - off) / len);
    return { id: `${name}@${index}`, startMs: index * len + off, endMs: (index + 1) * len + off };
  }
  const date = new Date(ms);
  const monthIndex = (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
  const index = Math.floor(monthIndex / spec.months);
  const monthStart = (k: number) => Date.UTC(1970 + Math.floor(k / 12), k % 12, 1);
  return { id: `${name}@${index}`, startMs: monthStart(index * spec.months), endMs: monthStart((index + 1) * spec.months) };
}

/** Expiry of a period's counter, set at each increment: until the period ends plus a week for reports; lifetime = never. */
export function counterTtlSeconds(period: Period, nowMs: number): number {
  if (!Number.isFinite(period.endMs)) return 0;
  return Math.ceil(Math.max(0, period.endMs - nowMs) / 1000) + 7 * DAY;
}
