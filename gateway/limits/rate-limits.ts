// RPM/TPM limits per key, per team (its record, else config) and per user, customer (end user) and tag with a record
// that sets them, shared by every gateway process through Redis.
// admit() runs before the upstream call: one request and the estimated tokens are charged atomically, or the request
// is refused with 429 + Retry-After. settle() runs after it: the estimate is replaced by the actual tokens.
// Redis unreachable → `fail_open` (default true: serve without limits) or 429; never a 5xx.
import type { RedisClient as Redis } from '../../lib/redis.ts';
import { GatewayError } from '../errors.ts';
import { logger } from '../../lib/logger.ts';
import { limitSettings, type LimitSettingsInput } from '../../schemas/config/auth.ts';
import type { Principal } from '../auth/principal.ts';
import type { EntityKind, EntityRecord, RequestEntities } from '../../core/governance/entities.ts';
import { SlidingWindowLimiter, type ConsumeResult, type Counter, type CounterState } from './sliding-window.ts';

export type LimitDimension = 'requests' | 'tokens';

interface Rule extends Counter {
  dimension: LimitDimension;
  scope: 'key' | EntityKind;
  label: string;
}

export interface Admission {
  /** x-ratelimit-* headers for the response (empty when nothing is limited or headers are off). */
  headers: Record<string, string>;
  /** Whether any limit applied (false: no limits configured, limits off, or Redis unreachable with fail_open). */
  limited: boolean;
  /** Record the actual tokens of the call (prompt + completion; 0 if it failed before using any). Idempotent. */
  settle(actualTokens: number): void;
}

export type LimitedCaller = Pick<Principal, 'keyId' | 'alias' | 'teamId' | 'rpmLimit' | 'tpmLimit'>;

export interface AdmitOptions {
  estimatedTokens?: number | (() => number);
  /** The request's team, user, customer and tag records (gateway/governance): their limits apply too. */
  entities?: RequestEntities | undefined;
}

export interface Limits {
  admit(principal: LimitedCaller, opts?: AdmitOptions): Promise<Admission>;
}

export interface LimitsDeps {
  /** ioredis client (the gateway's; created with enableOfflineQueue: false so an outage fails fast). */
  redis: Redis;
  settings?: LimitSettingsInput;
}

const NOT_LIMITED: Admission = Object.freeze({ headers: {}, limited: false, settle: () => undefined });

/** Durations the way OpenAI writes them in x-ratelimit-reset-*: `20ms`, `1s`, `6.5s`, `6m0s`. */
export function formatResetDuration(ms: number): string {
  const v = Math.max(0, Math.round(ms));
  if (v < 1000) return `${v}ms`;
  const totalSeconds = v / 1000;
  if (totalSeconds < 60) return `${trim(totalSeconds)}s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${minutes}m${trim(totalSeconds - minutes * 60)}s`;
}
const trim = (n: number) => String(Math.round(n * 1000) / 1000);

/** OpenAI's rate-limit headers from the most constrained counter of each dimension. */
export function rateLimitHeaders(rules: Array<{ dimension: LimitDimension }>, states: CounterState[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const dimension of ['requests', 'tokens'] as const) {
    let best: CounterState | undefined;
    rules.forEach((r, i) => {
      const s = states[i];
      if (r.dimension !== dimension || !s) return;
      if (!best || s.remaining < best.remaining || (s.remaining === best.remaining && s.resetMs > best.resetMs)) best = s;
    });
    if (!best) continue;
    headers[`x-ratelimit-limit-${dimension}`] = String(best.limit);
    headers[`x-ratelimit-remaining-${dimension}`] = String(best.remaining);
    headers[`x-ratelimit-reset-${dimension}`] = formatResetDuration(best.resetMs);
  }
  return headers;
}

/**
 * The token cost a TPM rule charges up front. A request always uses at least one token, so a spent TPM budget refuses
 * even a tiny request.
 */
function tokenCost(estimate: number | (() => number) | undefined): number {
  return Math.max(1, Math.ceil((typeof estimate === 'function' ? estimate() : estimate) ?? 0));
}

export function createLimits(deps: LimitsDeps): Limits {
  const settings = limitSettings(deps.settings ?? {});
  const windowMs = settings.window_seconds * 1000;
  const limiter = new SlidingWindowLimiter(deps.redis, { windowMs, bucketMs: settings.bucket_ms });
  const prefix = settings.redis_prefix;
  let skipUntil = 0;
  let lastLog = 0;

  function rulesFor(p: LimitedCaller, estimate: number | (() => number) | undefined, entities: RequestEntities | undefined): Rule[] {
    const rules: Rule[] = [];
    // Counting prompt tokens costs real CPU: only when a TPM rule needs it, and once (memo).
    let memo: number | undefined;
    const add = (scope: Rule['scope'], id: string, label: string, rpm: number | undefined, tpm: number | undefined) => {
      // One hash tag per caller: its counters share a cluster slot, so one script call checks them (sliding-window.ts).
      if (rpm) rules.push({ key: `${prefix}{${scope}:${id}}:rpm`, limit: rpm, cost: 1, dimension: 'requests', scope, label });
      if (tpm) rules.push({ key: `${prefix}{${scope}:${id}}:tpm`, limit: tpm, cost: (memo ??= tokenCost(estimate)), dimension: 'tokens', scope, label });
    };
    if (p.keyId) add('key', p.keyId, p.alias ? `key ${p.alias}` : `key ${p.keyId}`, p.rpmLimit, p.tpmLimit);
    // A team's record wins over config's `limits.teams` (field by field).
    const team = entities?.team;
    const configured = p.teamId && Object.hasOwn(settings.teams, p.teamId) ? settings.teams[p.teamId] : undefined;
    if (p.teamId) add('team', p.teamId, `team ${p.teamId}`, team?.rpm_limit ?? configured?.rpm_limit, team?.tpm_limit ?? configured?.tpm_limit);
    const byRecord = (e: EntityRecord | undefined) => e && add(e.kind, e.id, `${e.kind} ${e.id}`, e.rpm_limit, e.tpm_limit);
    byRecord(entities?.user);
    byRecord(entities?.customer);
    for (const tag of entities?.tags ?? []) byRecord(tag);
    return rules;
  }

  function unavailable(err: unknown): Admission {
    skipUntil = Date.now() + 1_000;
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      logger.warn({ err: (err as Error)?.message, failOpen: settings.fail_open }, 'rate limiter: redis unreachable');
    }
    if (settings.fail_open) return NOT_LIMITED;
    throw new GatewayError('rate_limit_exceeded', 'Rate limits cannot be checked right now (rate limiter unavailable). Please retry shortly.', { retryAfterSeconds: 1 });
  }

  async function consume(rules: Rule[]): Promise<ConsumeResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`rate limiter timed out after ${settings.redis_timeout_ms} ms`)), settings.redis_timeout_ms);
    });
    try {
      return await Promise.race([limiter.consume(rules), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async admit(principal, opts = {}) {
      if (!settings.enabled) return NOT_LIMITED;
      const rules = rulesFor(principal, opts.estimatedTokens, opts.entities);
      if (rules.length === 0) return NOT_LIMITED;
      if (Date.now() < skipUntil) return unavailable(new Error('recent failure'));
      let result: ConsumeResult;
      try {
        result = await consume(rules);
      } catch (err) {
        return unavailable(err);
      }
      const headers = settings.headers ? rateLimitHeaders(rules, result.counters) : {};
      if (!result.allowed) throw refusal(rules, result, headers, windowMs);
      const tokenRules = rules.filter((r) => r.dimension === 'tokens');
      let settled = tokenRules.length === 0;
      return {
        headers,
        limited: true,
        settle(actualTokens: number) {
          if (settled) return;
          settled = true;
          const delta = Math.max(0, Math.round(actualTokens)) - (tokenRules[0]?.cost ?? 0);
          if (delta === 0) return;
          limiter.adjust(result.bucket, tokenRules.map((r) => ({ key: r.key, delta }))).catch((err: unknown) => {
            logger.debug({ err: (err as Error).message }, 'rate limiter: could not record actual tokens');
          });
        },
      };
    },
  };
}

function refusal(rules: Rule[], result: ConsumeResult, headers: Record<string, string>, windowMs: number): GatewayError {
  // The binding limit: the one that needs the longest wait (never-fitting costs first).
  let worst = -1;
  let retryMs = 0;
  result.counters.forEach((s, i) => {
    if (s.retryMs === 0) return;
    const wait = s.retryMs < 0 ? Number.POSITIVE_INFINITY : s.retryMs;
    if (worst < 0 || wait > retryMs) {
      worst = i;
      retryMs = wait;
    }
  });
  const rule = rules[worst] ?? rules[0]!;
  const state = result.counters[worst] ?? result.counters[0]!;
  const unit = rule.dimension === 'requests' ? 'requests per minute (RPM)' : 'tokens per minute (TPM)';
  const perWindow = windowMs === 60_000 ? unit : `${rule.dimension} per ${windowMs / 1000}s`;
  let message: string;
  if (!Number.isFinite(retryMs)) {
    retryMs = windowMs;
    message = `Request too large for ${rule.label} on ${perWindow}: Limit ${rule.limit}, Requested ${rule.cost}. Reduce the prompt or max_tokens.`;
  } else {
    message = `Rate limit reached for ${rule.label} on ${perWindow}: Limit ${rule.limit}, Used ${state.used}, Requested ${rule.cost}. Please try again in ${formatResetDuration(retryMs)}.`;
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000));
  return new GatewayError('rate_limit_exceeded', message, { retryAfterSeconds, headers: { ...headers, 'retry-after-ms': String(Math.max(0, Math.round(retryMs))) } });
}
