// LiteLLM's spend reports, from the ledger in ClickHouse: GET /spend/logs, /spend/tags, /global/spend/report,
// /global/spend/tags, /global/spend/keys, /global/spend/teams, /global/spend/models and POST /global/spend/end_users,
// in LiteLLM's shapes. Registered inside the admin plugin (routes/admin.ts): admins only. Dates are `YYYY-MM-DD`
// UTC days, both ends inclusive (core/spend/dates.ts); every value goes to ClickHouse as a bound parameter.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import { logger } from '../../lib/logger.ts';
import { GatewayError } from '../errors.ts';
import type { KeyStore } from '../../core/keys/key-store.ts';
import { isKeyHash } from '../../core/keys/secrets.ts';
import { dayRange, daysOf, instantOf, SpendQueryError, type DayRange } from '../../core/spend/dates.ts';
import { DEFAULT_PAGE_SIZE, MAX_OFFSET, MAX_PAGE_SIZE, spendLogRows, spendLogSummary } from '../../core/spend/spend-logs.ts';
import { spendReport } from '../../core/spend/spend-report.ts';
import { LEADERBOARD_DAYS, MAX_RANKED, spendByTag, teamsByDay, topEndUsers, topKeys, topModels } from '../../core/spend/spend-rankings.ts';

export interface SpendRoutesDeps {
  reader: AnalyticsReader;
  /** Turns an `api_key` given as the secret or its hash into the key id the ledger records. */
  keyStore?: KeyStore | undefined;
}

const Id = Type.String({ minLength: 1, maxLength: 256 });
const Day = Type.String({ minLength: 1, maxLength: 32 });
const Count = Type.String({ pattern: '^[0-9]{1,7}$' });
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('True'), Type.Literal('False')]);
/** The secret (sk-…), its hash or the key id. */
const ApiKey = Type.String({ minLength: 1, maxLength: 512 });
/** At most this many tags in one `tags=a,b,c` filter. */
const MAX_TAG_FILTER = 50;

// Unknown parameters are ignored, as LiteLLM does; known ones are bounded and typed.
const LogsQuery = Type.Object({
  api_key: Type.Optional(ApiKey),
  key_id: Type.Optional(Id),
  user_id: Type.Optional(Id),
  team_id: Type.Optional(Id),
  end_user: Type.Optional(Id),
  request_id: Type.Optional(Id),
  start_date: Type.Optional(Day),
  end_date: Type.Optional(Day),
  summarize: Type.Optional(Bool),
  page: Type.Optional(Count),
  page_size: Type.Optional(Count),
});
const RangeQuery = Type.Object({ start_date: Type.Optional(Day), end_date: Type.Optional(Day) });
const TagsQuery = Type.Object({ start_date: Type.Optional(Day), end_date: Type.Optional(Day), tags: Type.Optional(Type.String({ maxLength: 4096 })) });
const ReportQuery = Type.Object({
  start_date: Type.Optional(Day),
  end_date: Type.Optional(Day),
  group_by: Type.Optional(Type.Union([Type.Literal('team'), Type.Literal('customer'), Type.Literal('api_key')])),
  api_key: Type.Optional(ApiKey),
  internal_user_id: Type.Optional(Id),
  team_id: Type.Optional(Id),
  customer_id: Type.Optional(Id),
});
const LimitQuery = Type.Object({ limit: Type.Optional(Count) });
const Instant = Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Null()]);
const EndUsersBody = Type.Union([
  Type.Object({ api_key: Type.Optional(Type.Union([ApiKey, Type.Null()])), startTime: Type.Optional(Instant), endTime: Type.Optional(Instant) }),
  Type.Null(),
]);

const bad = (message: string, param: string) => new GatewayError('invalid_request', message, { param });

/** Both dates or neither (LiteLLM's rule); undefined when neither is given. */
function optionalRange(q: { start_date?: string | undefined; end_date?: string | undefined }): DayRange | undefined {
  if (q.start_date === undefined && q.end_date === undefined) return undefined;
  return requiredRange(q);
}

function requiredRange(q: { start_date?: string | undefined; end_date?: string | undefined }): DayRange {
  if (q.start_date === undefined || q.end_date === undefined) throw bad('Give both start_date and end_date (YYYY-MM-DD).', q.start_date === undefined ? 'start_date' : 'end_date');
  return dayRange(q.start_date, q.end_date);
}

function countParam(value: string | undefined, param: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (n < 1 || n > max) throw bad(`${param} must be between 1 and ${max}.`, param);
  return n;
}

export function spendRoutes(app: FastifyInstance, deps: SpendRoutesDeps): void {
  const { reader, keyStore } = deps;

  /** The key id of an `api_key` (secret, hash or key id); null when it names no key the store knows. */
  const keyIdOf = async (ref: string | undefined | null): Promise<string | undefined | null> => {
    if (!ref) return undefined;
    if (!ref.startsWith('sk-') && !isKeyHash(ref)) return ref;
    const record = await keyStore?.info(ref).catch(() => {
      throw new GatewayError('service_unavailable', 'The key store (Redis) is unavailable; try again shortly.');
    });
    return record?.key_id ?? null;
  };

  /** Runs a report: a refused value is a 400 naming it, a store failure a 503 (details in the log, not the answer). */
  const report = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      if (err instanceof SpendQueryError) throw bad(err.message, err.param);
      logger.warn({ err: (err as Error).message }, 'spend report failed');
      throw new GatewayError('service_unavailable', 'The analytics store (ClickHouse) could not answer the report; try again shortly.');
    }
  };

  app.get<{ Querystring: Static<typeof LogsQuery> }>('/spend/logs', { schema: { querystring: LogsQuery } }, (request) =>
    report(async () => {
      const q = request.query;
      const range = optionalRange(q);
      const pageSize = countParam(q.page_size, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      const page = countParam(q.page, 'page', 1, Math.floor(MAX_OFFSET / pageSize) + 1);
      const keyId = q.key_id ?? (await keyIdOf(q.api_key));
      const summarize = range !== undefined && q.summarize?.toLowerCase() !== 'false';
      if (keyId === null) return summarize && range ? daysOf(range).map((d) => ({ startTime: d, spend: 0, users: {}, models: {} })) : [];
      const filter = { keyId, userId: q.user_id, teamId: q.team_id, endUser: q.end_user, requestId: q.request_id, range };
      return summarize && range ? spendLogSummary(reader, { ...filter, range }) : spendLogRows(reader, filter, { page, pageSize });
    }),
  );

  app.get<{ Querystring: Static<typeof RangeQuery> }>('/spend/tags', { schema: { querystring: RangeQuery } }, (request) =>
    report(async () => spendByTag(reader, optionalRange(request.query))),
  );

  app.get<{ Querystring: Static<typeof TagsQuery> }>('/global/spend/tags', { schema: { querystring: TagsQuery } }, (request) =>
    report(async () => {
      const range = requiredRange(request.query);
      const tags = (request.query.tags ?? '').split(',').filter(Boolean);
      if (tags.length > MAX_TAG_FILTER) throw bad(`At most ${MAX_TAG_FILTER} tags.`, 'tags');
      const rows = await spendByTag(reader, range, tags.length && !tags.includes('all-tags') ? tags : undefined);
      return { spend_per_tag: rows.map((r) => ({ name: r.individual_request_tag, spend: r.total_spend, log_count: r.log_count })) };
    }),
  );

  app.get<{ Querystring: Static<typeof ReportQuery> }>('/global/spend/report', { schema: { querystring: ReportQuery } }, (request) =>
    report(async () => {
      const q = request.query;
      const range = requiredRange(q);
      const keyId = await keyIdOf(q.api_key);
      if (keyId === null) return [];
      return spendReport(reader, { range, groupBy: q.group_by ?? 'team', keyId, userId: q.internal_user_id, teamId: q.team_id, customerId: q.customer_id });
    }),
  );

  app.get<{ Querystring: Static<typeof LimitQuery> }>('/global/spend/keys', { schema: { querystring: LimitQuery } }, (request) =>
    report(async () => {
      const ranked = await topKeys(reader, countParam(request.query.limit, 'limit', 100, MAX_RANKED));
      // Alias and display name from the key store, as LiteLLM joins its key table; a deleted key has neither.
      const records = await Promise.all(ranked.map((r) => (r.api_key && keyStore ? keyStore.info(r.api_key).catch(() => undefined) : undefined)));
      return ranked.map((r, i) => ({ api_key: r.api_key, key_alias: records[i]?.key_alias ?? null, key_name: records[i]?.key_name ?? null, total_spend: r.total_spend }));
    }),
  );

  app.get('/global/spend/teams', () => report(() => teamsByDay(reader)));

  app.get<{ Querystring: Static<typeof LimitQuery> }>('/global/spend/models', { schema: { querystring: LimitQuery } }, (request) =>
    report(() => topModels(reader, countParam(request.query.limit, 'limit', 10, MAX_RANKED))),
  );

  app.post<{ Body: Static<typeof EndUsersBody> }>('/global/spend/end_users', { schema: { body: EndUsersBody } }, (request) =>
    report(async () => {
      const body = request.body ?? {};
      const keyId = await keyIdOf(body.api_key);
      if (keyId === null) return [];
      // LiteLLM's defaults: from 30 days ago, until now.
      const fromTs = instantOf(body.startTime ?? new Date(Date.now() - LEADERBOARD_DAYS * 86_400_000).toISOString(), 'startTime');
      const toTs = body.endTime ? instantOf(body.endTime, 'endTime') : undefined;
      return topEndUsers(reader, { keyId, fromTs, toTs });
    }),
  );
}
