// Report periods as LiteLLM's spend routes take them: `YYYY-MM-DD` UTC days, both ends inclusive, at most a year
// apart, so every report reads a bounded slice of the ledger.
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ClickHouse's Date type holds 1970 … 2149. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 2149;

/** A client's value refused, naming the parameter (the route answers 400 with it). */
export class SpendQueryError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/** UTC days `from` … `until` (exclusive), as `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  until: string;
}

/** Epoch ms of a valid calendar day, else undefined (2024-02-30 is not a day; ClickHouse would read it as 1970). */
export function dayMs(value: string): number | undefined {
  const m = DAY.exec(value);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < FIRST_YEAR || year > LAST_YEAR) return undefined;
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  return back.getUTCMonth() === month - 1 && back.getUTCDate() === day ? ms : undefined;
}

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** `start_date` … `end_date` (inclusive) → a DayRange; a SpendQueryError when either is not a day or the range is wrong. */
export function dayRange(start: string, end: string, names: [string, string] = ['start_date', 'end_date']): DayRange {
  const from = dayMs(start);
  if (from === undefined) throw new SpendQueryError(`${names[0]} must be a date as YYYY-MM-DD (UTC).`, names[0]);
  const last = dayMs(end);
  if (last === undefined) throw new SpendQueryError(`${names[1]} must be a date as YYYY-MM-DD (UTC).`, names[1]);
  if (last < from) throw new SpendQueryError(`${names[1]} is before ${names[0]}.`, names[1]);
  if ((last - from) / DAY_MS + 1 > MAX_RANGE_DAYS) throw new SpendQueryError(`At most ${MAX_RANGE_DAYS} days per report: narrow ${names[0]} … ${names[1]}.`, names[1]);
  return { from: dayOf(from), until: dayOf(last + DAY_MS) };
}

/** The last `days` UTC days, today included. */
export function lastDays(days: number, nowMs = Date.now()): DayRange {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return { from: dayOf(today - (days - 1) * DAY_MS), until: dayOf(today + DAY_MS) };
}

/** Every day of the range, in order. */
export function daysOf(range: DayRange): string[] {
  const out: string[] = [];
  for (let ms = dayMs(range.from)!, end = dayMs(range.until)!; ms < end; ms += DAY_MS) out.push(dayOf(ms));
  return out;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A timestamp (ISO 8601, UTC unless it names a zone) or a bare day → `YYYY-MM-DD HH:MM:SS.sss` UTC. */
export function instantOf(value: string, param: string): string {
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(value) || value.length === 10 ? value : `${value}Z`;
  const ms = INSTANT.test(value) ? Date.parse(zoned.replace(' ', 'T')) : NaN;
  const year = new Date(ms).getUTCFullYear();
  if (Number.isNaN(ms) || year < FIRST_YEAR || year > LAST_YEAR) throw new SpendQueryError(`${param} must be an ISO 8601 timestamp or YYYY-MM-DD.`, param);
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
