// The budget state in Redis, changed only by three Lua scripts so every step is atomic across any number of gateway
// processes and ledger consumers:
//
//   spend:<period>  settled spend (nano-USD). Written ONLY by the ledger (authoritative, replayable).
//   holds / hexp    open amounts by id: reservations (gateway, worst case, short TTL) and pending charges
//   held            (settled by a gateway, not yet booked by the ledger; long TTL). `held` is their sum, `hexp` their
//                   expiry: every reserve first drops the scope's expired amounts, so a crashed gateway's reservation
//                   frees itself. No key TTLs to refresh on the hot path: emptied hashes/sets vanish, `held` is
//                   deleted when it reaches 0.
//
// A request may start when  spend + held + its worst case ≤ limit  for every budget it falls under.
//   reserve  (gateway, before the provider call)  adds a hold of the worst case.
//   settle   (gateway, after the response event is built)  replaces the hold by a pending charge of the actual
//            cost under the response event's id — unless the ledger already booked that event.
//   book     (ledger, a chunk of response events)  per event: marks it booked (SET NX: once only), drops its pending
//            charge and adds the cost to the spend counters — one script, so the money is always counted exactly
//            once: as a hold, as pending, or as spend, never twice and never zero times while in flight.
//
// On a Redis Cluster a script may touch one slot only, and each scope's keys share one (`{scope}`): a call covering
// scopes in several slots becomes one call per slot, each atomic. The booked mark is then one per event and slot
// (`{<slot tag>}:b:<event>`), so every slot books an event exactly once on its own. A reserve refused in one slot
// gives back the holds it took in the others; until then they count against their budgets (a concurrent request
// there may be refused, never let through).
import { groupBySlot, isCluster, slotOf, slotTag, type RedisClient } from '../../lib/redis.ts';

/** Lua shared by the scripts: removes one open amount (a hold or a pending charge) from a scope. */
const DROP = `
local function drop(holds, hexp, held, id)
  local v = redis.call('HGET', holds, id)
  if v then
    if redis.call('DECRBY', held, v) <= 0 then redis.call('DEL', held) end
    redis.call('HDEL', holds, id)
  end
  redis.call('ZREM', hexp, id)
end
`;

// KEYS: per scope: spend, holds, hexp, held, budget. ARGV: hold_id, hold_ttl_ms, then per scope:
// limit, amount, duration, label (the budget, registered for the ledger's alerts and counters).
// Returns: refused scope index (0 = reserved), now_ms, then per scope: spend, held (including this hold when reserved).
export const RESERVE_LUA = `${DROP}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold_id = ARGV[1]
local hold_ttl = tonumber(ARGV[2])
local n = #KEYS / 5
local spend, held = {}, {}
local refused = 0
for i = 1, n do
  local k = (i - 1) * 5
  local holds, hexp, held_key = KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', hexp, '-inf', now, 'LIMIT', 0, 100)) do drop(holds, hexp, held_key, id) end
  spend[i] = tonumber(redis.call('GET', KEYS[k + 1]) or '0')
  held[i] = tonumber(redis.call('GET', held_key) or '0')
  local a = 2 + (i - 1) * 4
  if refused == 0 and spend[i] + held[i] + tonumber(ARGV[a + 2]) > tonumber(ARGV[a + 1]) then refused = i end
end
if refused == 0 then
  for i = 1, n do
    local k = (i - 1) * 5
    local a = 2 + (i - 1) * 4
    local amount = tonumber(ARGV[a + 2])
    if amount > 0 then
      redis.call('HSET', KEYS[k + 2], hold_id, amount)
      redis.call('ZADD', KEYS[k + 3], now + hold_ttl, hold_id)
      held[i] = redis.call('INCRBY', KEYS[k + 4], amount)
    end
    -- Registered for the ledger (counters, alerts) when new or changed; an expired registration simply re-registers.
    local sig = ARGV[a + 1] .. '|' .. ARGV[a + 3]
    if redis.call('HGET', KEYS[k + 5], 'sig') ~= sig then
      redis.call('HSET', KEYS[k + 5], 'sig', sig, 'limit', ARGV[a + 1], 'dur', ARGV[a + 3], 'label', ARGV[a + 4])
      redis.call('EXPIRE', KEYS[k + 5], 7776000)
    end
  end
end
local out = { refused, now }
for i = 1, n do
  out[#out + 1] = spend[i]
  out[#out + 1] = held[i]
end
return out
`;

// KEYS: booked mark of the event, then per scope: holds, hexp, held. ARGV: hold_id, event_id ('' = release only),
// pending_ttl_ms, then per scope: actual amount. The hold goes; a pending charge of the actual amount takes
// its place under the event id unless the ledger already booked the event (then the spend counter has it).
export const SETTLE_LUA = `${DROP}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold_id, event_id = ARGV[1], ARGV[2]
local pending_ttl = tonumber(ARGV[3])
local booked = event_id == '' or redis.call('EXISTS', KEYS[1]) == 1
local n = (#KEYS - 1) / 3
for i = 1, n do
  local holds, hexp, held = KEYS[2 + (i - 1) * 3], KEYS[3 + (i - 1) * 3], KEYS[4 + (i - 1) * 3]
  drop(holds, hexp, held, hold_id)
  local amount = tonumber(ARGV[3 + i])
  if not booked and amount > 0 and redis.call('HEXISTS', holds, event_id) == 0 then
    redis.call('HSET', holds, event_id, amount)
    redis.call('ZADD', hexp, now + pending_ttl, event_id)
    redis.call('INCRBY', held, amount)
  end
end
return 1
`;

// A chunk of events in one call (few round trips, each counter read and written once per chunk; the events are still
// applied one after another, so every event sees the exact counter values before and after it).
// KEYS: E booked marks, then P pending scopes × (holds, hexp, held), then C spend counters.
// ARGV: dedupe_ttl_s, E, P, C; per counter: ttl (0 = none), mark count, marks (alert amounts); per event: event_id,
// amount, pending count, pending indexes, counter count, counter indexes.
// Returns per event '+<crossings>' when booked now or '=<record>' when booked before (a redelivery). A crossing is
// `<counter key>\t<mark #>\t<value after>`, newline-separated; the record of an event that crossed marks keeps its
// crossings (so a crash between booking and publishing loses no alert), otherwise it is '1'.
export const BOOK_LUA = `${DROP}
local dedupe_ttl = ARGV[1]
local E, P, C = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local p = 5
-- A count-prefixed list of numbers from ARGV at p (p moves past it).
local function numbers()
  local n = tonumber(ARGV[p])
  p = p + 1
  local list = {}
  for i = 1, n do
    list[i] = tonumber(ARGV[p])
    p = p + 1
  end
  return list
end
local ttl, marks = {}, {}
for c = 1, C do
  ttl[c] = tonumber(ARGV[p])
  p = p + 1
  marks[c] = numbers()
end
local pbase, cbase = E, E + P * 3
local value, delta, out = {}, {}, {}
for e = 1, E do
  local id, amount = ARGV[p], tonumber(ARGV[p + 1])
  p = p + 2
  local pending = numbers()
  local counters = numbers()
  if redis.call('SET', KEYS[e], '1', 'NX', 'EX', dedupe_ttl) then
    for _, j in ipairs(pending) do
      local b = pbase + (j - 1) * 3
      drop(KEYS[b + 1], KEYS[b + 2], KEYS[b + 3], id)
    end
    local crossed = {}
    for _, c in ipairs(counters) do
      local before = value[c]
      if before == nil then before = tonumber(redis.call('GET', KEYS[cbase + c]) or '0') end
      local after = before + amount
      value[c] = after
      delta[c] = (delta[c] or 0) + amount
      for i, mark in ipairs(marks[c]) do
        if before < mark and after >= mark then crossed[#crossed + 1] = KEYS[cbase + c] .. '\\t' .. i .. '\\t' .. after end
      end
    end
    local record = table.concat(crossed, '\\n')
    if record ~= '' then redis.call('SET', KEYS[e], record, 'KEEPTTL') end
    out[e] = '+' .. record
  else
    out[e] = '=' .. redis.call('GET', KEYS[e])
  end
end
for c, d in pairs(delta) do
  if d ~= 0 then
    local v = redis.call('INCRBY', KEYS[cbase + c], d)
    -- A period's counter gets its expiry once, when created (it names a fixed period: the TTL never changes).
    if v == d and ttl[c] > 0 then redis.call('EXPIRE', KEYS[cbase + c], ttl[c]) end
  end
end
return out
`;

interface BudgetCommands {
  helixBudgetReserve(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
  helixBudgetSettle(numKeys: number, ...args: Array<string | number>): Promise<number>;
  helixBudgetBook(numKeys: number, ...args: Array<string | number>): Promise<string[]>;
}

/** Redis key names. */
export class BudgetKeys {
  constructor(readonly prefix: string) {}
  private scoped = (scope: string, what: string) => `${this.prefix}{${scope}}:${what}`;
  spend = (scope: string, periodId: string) => this.scoped(scope, `spend:${periodId}`);
  holds = (scope: string) => this.scoped(scope, 'holds');
  hexp = (scope: string) => this.scoped(scope, 'hexp');
  held = (scope: string) => this.scoped(scope, 'held');
  budget = (scope: string) => this.scoped(scope, 'budget');
  booked = (eventId: string) => `${this.prefix}b:${eventId}`;
  /** The booked mark of an event among the keys of one cluster slot. */
  bookedInSlot = (slot: number, eventId: string) => `${this.prefix}{${slotTag(slot)}}:b:${eventId}`;
}

export interface ReserveScope {
  scope: string;
  periodId: string;
  limitNano: number;
  amountNano: number;
  duration: string;
  label: string;
}

export interface ReserveResult {
  /** Index into the scopes of the budget that refused; -1 = reserved. */
  refused: number;
  nowMs: number;
  spendNano: number[];
  heldNano: number[];
}

export interface CounterRef {
  scope: string;
  periodId: string;
  /** Expiry set when the counter is created (0 = never). */
  ttlSeconds: number;
  /** Alert amounts (nano-USD): the booking whose cost carries the counter from below to at-or-above one is reported. */
  marks?: number[];
}

export interface BookingInput {
  eventId: string;
  amountNano: number;
  /** Scopes whose pending charge of this event is dropped. */
  pendingScopes: string[];
  /** Spend counters the amount is added to. */
  counters: CounterRef[];
}

export interface Crossing {
  /** `scope|period` of the counter. */
  counter: string;
  /** Index into that counter's marks. */
  mark: number;
  /** The counter's value right after this booking. */
  after: number;
}

export interface BookingResult {
  /** False: booked before (a redelivery); nothing was added again. */
  fresh: boolean;
  crossings: Crossing[];
}

export const counterName = (scope: string, periodId: string) => `${scope}|${periodId}`;

/** Events per BOOK call: bounds how long one script holds Redis (~1 ms). */
export const BOOK_CHUNK = 200;

/** A booking record's crossings (counters not in this chunk — a budget changed since — are dropped). */
function parseCrossings(record: string, nameOfKey: ReadonlyMap<string, string>): Crossing[] {
  if (record === '' || record === '1') return [];
  return record.split('\n').flatMap((line) => {
    const [key = '', mark = '', after = ''] = line.split('\t');
    const counter = nameOfKey.get(key);
    return counter ? [{ counter, mark: Number(mark) - 1, after: Number(after) }] : [];
  });
}

/** One script call's share of a booking chunk: its events (with their scopes in this call only) and their marks. */
interface BookingPart {
  events: Array<{ index: number; input: BookingInput }>;
  markOf: (eventId: string) => string;
}

/** The scripts, registered once per ioredis client (EVALSHA, EVAL after a NOSCRIPT). */
export class BudgetStore {
  readonly keys: BudgetKeys;
  private readonly redis: RedisClient & BudgetCommands;
  private readonly cluster: boolean;

  constructor(redis: RedisClient, prefix: string) {
    if (!(redis as Partial<BudgetCommands>).helixBudgetReserve) {
      redis.defineCommand('helixBudgetReserve', { lua: RESERVE_LUA });
      redis.defineCommand('helixBudgetSettle', { lua: SETTLE_LUA });
      redis.defineCommand('helixBudgetBook', { lua: BOOK_LUA });
    }
    this.redis = redis as RedisClient & BudgetCommands;
    this.cluster = isCluster(redis);
    this.keys = new BudgetKeys(prefix);
  }

  /** Items by script call: all in one on a single Redis, one call per slot of their scope on a cluster. */
  private byCall<T>(items: readonly T[], scopeOf: (item: T) => string): T[][] {
    return groupBySlot(this.redis, items, (item) => this.keys.held(scopeOf(item)));
  }

  /** The booked mark of an event in a call on the scope's slot. */
  private markIn(scope: string, eventId: string): string {
    return this.cluster ? this.keys.bookedInSlot(slotOf(this.keys.held(scope)), eventId) : this.keys.booked(eventId);
  }

  /** Holds `amountNano` on every scope, or on none when one budget has no room. */
  async reserve(holdId: string, holdTtlMs: number, scopes: ReserveScope[]): Promise<ReserveResult> {
    const calls = this.byCall(
      scopes.map((scope, index) => ({ scope, index })),
      (s) => s.scope.scope,
    );
    const results = await Promise.all(calls.map((call) => this.reserveInCall(holdId, holdTtlMs, call.map((c) => c.scope))));
    const out: ReserveResult = { refused: -1, nowMs: results[0]?.nowMs ?? Date.now(), spendNano: scopes.map(() => 0), heldNano: scopes.map(() => 0) };
    calls.forEach((call, i) => {
      const r = results[i]!;
      call.forEach((c, j) => {
        out.spendNano[c.index] = r.spendNano[j] ?? 0;
        out.heldNano[c.index] = r.heldNano[j] ?? 0;
      });
      const refused = r.refused >= 0 ? call[r.refused]!.index : -1;
      if (refused >= 0 && (out.refused < 0 || refused < out.refused)) out.refused = refused;
    });
    if (out.refused >= 0 && calls.length > 1) {
      const reserved = calls.filter((_, i) => results[i]!.refused < 0);
      await Promise.all(reserved.map((call) => this.settle(holdId, '', 0, call.map((c) => ({ scope: c.scope.scope, amountNano: 0 })))));
    }
    return out;
  }

  private async reserveInCall(holdId: string, holdTtlMs: number, scopes: ReserveScope[]): Promise<ReserveResult> {
    const k = this.keys;
    const keys = scopes.flatMap((s) => [k.spend(s.scope, s.periodId), k.holds(s.scope), k.hexp(s.scope), k.held(s.scope), k.budget(s.scope)]);
    const args = scopes.flatMap((s) => [Math.floor(s.limitNano), Math.max(0, Math.ceil(s.amountNano)), s.duration, s.label]);
    const raw = await this.redis.helixBudgetReserve(keys.length, ...keys, holdId, holdTtlMs, ...args);
    return {
      refused: (raw[0] ?? 0) - 1,
      nowMs: raw[1] ?? Date.now(),
      spendNano: scopes.map((_, i) => raw[2 + i * 2] ?? 0),
      heldNano: scopes.map((_, i) => raw[3 + i * 2] ?? 0),
    };
  }

  /** Drops a hold; with an event id, leaves the actual amounts pending for the ledger. */
  async settle(holdId: string, eventId: string, pendingTtlMs: number, scopes: Array<{ scope: string; amountNano: number }>): Promise<void> {
    const k = this.keys;
    await Promise.all(
      this.byCall(scopes, (s) => s.scope).map((call) => {
        const keys = [this.markIn(call[0]!.scope, eventId || '-'), ...call.flatMap((s) => [k.holds(s.scope), k.hexp(s.scope), k.held(s.scope)])];
        return this.redis.helixBudgetSettle(keys.length, ...keys, holdId, eventId, pendingTtlMs, ...call.map((s) => Math.max(0, Math.round(s.amountNano))));
      }),
    );
  }

  /** Books events (ledger), idempotent by event id, in chunks of BOOK_CHUNK (one Lua call each). */
  async book(events: BookingInput[], dedupeTtlSeconds: number): Promise<BookingResult[]> {
    const chunks: Array<Promise<BookingResult[]>> = [];
    for (let i = 0; i < events.length; i += BOOK_CHUNK) chunks.push(this.bookChunk(events.slice(i, i + BOOK_CHUNK), dedupeTtlSeconds));
    return (await Promise.all(chunks)).flat();
  }

  private async bookChunk(events: BookingInput[], dedupeTtlSeconds: number): Promise<BookingResult[]> {
    const parts = this.bookingParts(events);
    const results = await Promise.all(parts.map((part) => this.bookPart(part.events.map((e) => e.input), part.markOf, dedupeTtlSeconds)));
    const out: BookingResult[] = events.map(() => ({ fresh: false, crossings: [] }));
    parts.forEach((part, i) =>
      part.events.forEach(({ index }, j) => {
        const r = results[i]![j]!;
        out[index]!.fresh ||= r.fresh;
        out[index]!.crossings.push(...r.crossings);
      }),
    );
    return out;
  }

  /** All events in one call on a single Redis; on a cluster one call per slot with each event's scopes there. */
  private bookingParts(events: BookingInput[]): BookingPart[] {
    const k = this.keys;
    if (!this.cluster) return [{ events: events.map((input, index) => ({ index, input })), markOf: k.booked }];
    const bySlot = new Map<number, BookingPart['events']>();
    events.forEach((e, index) => {
      const inSlot = new Map<number, BookingInput>();
      const share = (key: string) => {
        const slot = slotOf(key);
        let input = inSlot.get(slot);
        if (!input) inSlot.set(slot, (input = { ...e, pendingScopes: [], counters: [] }));
        return input;
      };
      for (const s of e.pendingScopes) share(k.held(s)).pendingScopes.push(s);
      for (const c of e.counters) share(k.spend(c.scope, c.periodId)).counters.push(c);
      if (inSlot.size === 0) share(k.booked(e.eventId)); // nothing to count: the mark alone dedupes it
      for (const [slot, input] of inSlot) {
        const list = bySlot.get(slot);
        if (list) list.push({ index, input });
        else bySlot.set(slot, [{ index, input }]);
      }
    });
    return [...bySlot].map(([slot, list]) => ({ events: list, markOf: (eventId: string) => k.bookedInSlot(slot, eventId) }));
  }

  private async bookPart(events: BookingInput[], markOf: (eventId: string) => string, dedupeTtlSeconds: number): Promise<BookingResult[]> {
    const k = this.keys;
    const pending = new Map<string, number>();
    const counters = new Map<string, { index: number; ref: CounterRef; name: string }>();
    const perEvent = events.map((e) => ({
      e,
      pending: e.pendingScopes.map((s) => {
        if (!pending.has(s)) pending.set(s, pending.size + 1);
        return pending.get(s)!;
      }),
      counters: e.counters.map((c) => {
        const key = k.spend(c.scope, c.periodId);
        let entry = counters.get(key);
        if (!entry) counters.set(key, (entry = { index: counters.size + 1, ref: c, name: counterName(c.scope, c.periodId) }));
        return entry.index;
      }),
    }));
    const keys = [...events.map((e) => markOf(e.eventId)), ...[...pending.keys()].flatMap((s) => [k.holds(s), k.hexp(s), k.held(s)]), ...counters.keys()];
    const args: Array<string | number> = [dedupeTtlSeconds, events.length, pending.size, counters.size];
    for (const { ref } of counters.values()) args.push(ref.ttlSeconds, ref.marks?.length ?? 0, ...(ref.marks ?? []).map(Math.round));
    for (const { e, pending: p, counters: c } of perEvent) args.push(e.eventId, Math.round(e.amountNano), p.length, ...p, c.length, ...c);
    const raw = await this.redis.helixBudgetBook(keys.length, ...keys, ...args);
    const nameOfKey = new Map([...counters].map(([key, v]) => [key, v.name]));
    return raw.map((r) => ({ fresh: r.startsWith('+'), crossings: parseCrossings(r.slice(1), nameOfKey) }));
  }

  /** Current spend of counters and open amounts of scopes (one round trip; on a cluster one per slot, in parallel). */
  async read(counters: Array<{ scope: string; periodId: string }>, heldScopes: string[]): Promise<{ spend: number[]; held: number[] }> {
    const keys = [...counters.map((c) => this.keys.spend(c.scope, c.periodId)), ...heldScopes.map((s) => this.keys.held(s))];
    const values = keys.map(() => 0);
    const calls = groupBySlot(
      this.redis,
      keys.map((key, index) => ({ key, index })),
      (e) => e.key,
    );
    await Promise.all(
      calls.map(async (call) => {
        const got = await this.redis.mget(...call.map((e) => e.key));
        call.forEach((e, j) => (values[e.index] = Number(got[j] ?? 0)));
      }),
    );
    return { spend: values.slice(0, counters.length), held: values.slice(counters.length) };
  }

  /** Budgets registered by gateways, by scope (one round trip; on a cluster one per slot, in parallel). */
  async registered(scopes: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    await Promise.all(
      this.byCall(scopes, (s) => s).map(async (call) => {
        const pipeline = this.redis.pipeline();
        for (const s of call) pipeline.hgetall(this.keys.budget(s));
        const results = (await pipeline.exec()) ?? [];
        results.forEach(([err, value], i) => {
          if (!err && value && typeof value === 'object' && Object.keys(value).length > 0) out.set(call[i]!, value as Record<string, string>);
        });
      }),
    );
    return out;
  }
}
