// Cheaper-model suggestions from history: per key (or team) and model, the traffic of the last N days from
// ClickHouse (requests that reached a provider, prompt/response sizes, upstream errors, latency; actual cost from the
// ledger), and for each a cheaper configured model of the same family, judged by what that model did for everyone
// in the same window: has it served prompts of that size, with an error rate and latency no worse? The saving is the
// same token volume at the cheaper prices, scaled to a 30-day month.
import type { AnalyticsReader } from '../../clickhouse/reader.ts';
import { sqlString } from '../../clickhouse/sql-literal.ts';
import type { ModelFamilies, FamilyMember } from './families.ts';

export type GroupBy = 'key' | 'team';

export interface SuggestionQuery {
  groupBy: GroupBy;
  days: number;
  key?: string | undefined;
  team?: string | undefined;
}

export interface ModelUsage {
  scope: string;
  model: string;
  requests: number;
  upstreamErrors: number;
  avgPromptTokens: number;
  p95PromptTokens: number;
  avgCompletionTokens: number;
  p95CompletionTokens: number;
  p50LatencyMs: number;
  promptTokens: number;
  completionTokens: number;
  firstMs: number;
  /** Actual cost from the ledger over the window (0 when the ledger has nothing yet). */
  costUsd: number;
}

export type Confidence = 'high' | 'medium' | 'low';

export interface Suggestion {
  group_by: GroupBy;
  scope: string;
  model: string;
  replacement: string;
  requests: number;
  avg_prompt_tokens: number;
  avg_completion_tokens: number;
  error_rate: number;
  p50_latency_ms: number;
  current_cost_usd: number;
  projected_cost_usd: number;
  estimated_monthly_saving_usd: number;
  confidence: Confidence;
  /** Why the confidence is what it is (one line per check). */
  checks: string[];
}

/** Minimum requests of a candidate in the window before its error rate and latency count as evidence. */
export const MIN_EVIDENCE = 20;
const DAY_MS = 86_400_000;

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0)) || 0;

function filters(q: SuggestionQuery): string {
  const out: string[] = [];
  if (q.key) out.push(`key_id = ${sqlString(q.key)}`);
  if (q.team) out.push(`team_id = ${sqlString(q.team)}`);
  return out.map((f) => ` AND ${f}`).join('');
}

const window = (days: number) => `ts >= now64(3) - INTERVAL ${Math.max(1, Math.floor(days))} DAY`;

/** Traffic per (scope, model), or per model when `perModel` (scope = ''). */
export async function loadUsage(reader: AnalyticsReader, database: string, q: SuggestionQuery, perModel = false): Promise<ModelUsage[]> {
  const scopeCol = perModel ? "''" : q.groupBy === 'team' ? 'team_id' : 'key_id';
  const where = `${window(q.days)} AND provider != '' AND cache NOT IN ('exact', 'semantic')${perModel ? '' : filters(q)}`;
  // Aliases never reuse a column name: ClickHouse would resolve a later `avg(prompt_tokens)` to the alias.
  const usage = await reader.query(`
    SELECT ${scopeCol} AS scope, model, count() AS requests,
      countIf(type = 'error' AND error_type IN ('upstream_error', 'upstream_timeout')) AS upstream_errors,
      avg(prompt_tokens) AS avg_prompt, quantile(0.95)(prompt_tokens) AS p95_prompt,
      avg(completion_tokens) AS avg_completion, quantile(0.95)(completion_tokens) AS p95_completion,
      quantile(0.5)(upstream_ms) AS p50_ms, sum(prompt_tokens) AS sum_prompt, sum(completion_tokens) AS sum_completion,
      toUnixTimestamp64Milli(min(ts)) AS first_ms
    FROM ${database}.responses
    WHERE ${where}
    GROUP BY scope, model`);
  const costs = perModel ? new Map<string, number>() : await loadCosts(reader, database, q, scopeCol);
  return usage.data.map((r) => {
    const scope = String(r.scope ?? '');
    const model = String(r.model ?? '');
    return {
      scope,
      model,
      requests: num(r.requests),
      upstreamErrors: num(r.upstream_errors),
      avgPromptTokens: num(r.avg_prompt),
      p95PromptTokens: num(r.p95_prompt),
      avgCompletionTokens: num(r.avg_completion),
      p95CompletionTokens: num(r.p95_completion),
      p50LatencyMs: num(r.p50_ms),
      promptTokens: num(r.sum_prompt),
      completionTokens: num(r.sum_completion),
      firstMs: num(r.first_ms),
      costUsd: costs.get(`${scope}\u0000${model}`) ?? 0,
    };
  });
}

async function loadCosts(reader: AnalyticsReader, database: string, q: SuggestionQuery, scopeCol: string): Promise<Map<string, number>> {
  try {
    const rs = await reader.query(`
      SELECT ${scopeCol} AS scope, model, sum(cost_usd) AS cost
      FROM ${database}.ledger_entries FINAL
      WHERE ${window(q.days)} AND source != 'cache'${filters(q)}
      GROUP BY scope, model`);
    return new Map(rs.data.map((r) => [`${String(r.scope ?? '')}\u0000${String(r.model ?? '')}`, num(r.cost)]));
  } catch {
    return new Map(); // no ledger table yet: costs are estimated from tokens × prices
  }
}

const RANK: Record<Confidence, number> = { high: 2, medium: 1, low: 0 };

function judge(row: ModelUsage, candidate: ModelUsage | undefined): { confidence: Confidence; checks: string[] } {
  if (!candidate || candidate.requests < MIN_EVIDENCE) {
    return { confidence: 'low', checks: [`the replacement served ${candidate?.requests ?? 0} requests in the window (under ${MIN_EVIDENCE}): no evidence yet`] };
  }
  const checks: string[] = [];
  let ok = true;
  const rate = (u: ModelUsage) => (u.requests ? u.upstreamErrors / u.requests : 0);
  const fmt = (x: number) => `${(x * 100).toFixed(1)} %`;
  if (rate(candidate) <= rate(row) + 0.02) checks.push(`error rate ${fmt(rate(candidate))} vs ${fmt(rate(row))}: ok`);
  else {
    ok = false;
    checks.push(`error rate ${fmt(rate(candidate))} vs ${fmt(rate(row))}: higher`);
  }
  if (row.p50LatencyMs === 0 || candidate.p50LatencyMs <= row.p50LatencyMs * 1.5) checks.push(`p50 latency ${Math.round(candidate.p50LatencyMs)} ms vs ${Math.round(row.p50LatencyMs)} ms: ok`);
  else {
    ok = false;
    checks.push(`p50 latency ${Math.round(candidate.p50LatencyMs)} ms vs ${Math.round(row.p50LatencyMs)} ms: slower`);
  }
  if (candidate.p95PromptTokens >= row.p95PromptTokens * 0.5) checks.push(`has served prompts of similar size (p95 ${Math.round(candidate.p95PromptTokens)} vs ${Math.round(row.p95PromptTokens)} tokens)`);
  else {
    ok = false;
    checks.push(`has only served smaller prompts (p95 ${Math.round(candidate.p95PromptTokens)} vs ${Math.round(row.p95PromptTokens)} tokens)`);
  }
  return { confidence: ok ? 'high' : 'medium', checks };
}

const perToken = (perMTok: number) => perMTok / 1e6;
const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** Pure: usage rows + per-model evidence + families → suggestions, biggest monthly saving first. */
export function suggest(q: SuggestionQuery, rows: ModelUsage[], byModel: ReadonlyMap<string, ModelUsage>, families: ModelFamilies, nowMs = Date.now()): Suggestion[] {
  const out: Suggestion[] = [];
  for (const row of rows) {
    const tokens = row.promptTokens + row.completionTokens;
    if (tokens === 0) continue;
    const inputShare = row.promptTokens / tokens;
    const current = families.pricePoint(row.model);
    if (!current) continue;
    const estimate = (m: Pick<FamilyMember, 'inputPerMTok' | 'outputPerMTok'>) => row.promptTokens * perToken(m.inputPerMTok) + row.completionTokens * perToken(m.outputPerMTok);
    const currentEstimate = estimate(current);
    if (currentEstimate <= 0) continue;
    // The ledger's actual cost when there is one (it knows cached tokens); the price estimate otherwise.
    const currentCost = row.costUsd > 0 ? row.costUsd : currentEstimate;
    const spanDays = Math.min(q.days, Math.max(1, (nowMs - row.firstMs) / DAY_MS));
    const best = families
      .cheaperThan(row.model, inputShare)
      .map((c) => {
        const projected = currentCost * (estimate(c) / currentEstimate);
        return { c, projected, saving: currentCost - projected, ...judge(row, byModel.get(c.model)) };
      })
      .sort((a, b) => RANK[b.confidence] - RANK[a.confidence] || b.saving - a.saving)[0];
    if (!best || best.saving <= 0) continue;
    out.push({
      group_by: q.groupBy,
      scope: row.scope,
      model: row.model,
      replacement: best.c.model,
      requests: row.requests,
      avg_prompt_tokens: Math.round(row.avgPromptTokens),
      avg_completion_tokens: Math.round(row.avgCompletionTokens),
      error_rate: row.requests ? Math.round((row.upstreamErrors / row.requests) * 10_000) / 10_000 : 0,
      p50_latency_ms: Math.round(row.p50LatencyMs * 10) / 10,
      current_cost_usd: round(currentCost),
      projected_cost_usd: round(best.projected),
      estimated_monthly_saving_usd: round((best.saving * 30) / spanDays),
      confidence: best.confidence,
      checks: best.checks,
    });
  }
  return out.sort((a, b) => b.estimated_monthly_saving_usd - a.estimated_monthly_saving_usd);
}

export async function suggestions(reader: AnalyticsReader, database: string, families: ModelFamilies, q: SuggestionQuery): Promise<Suggestion[]> {
  const [rows, models] = await Promise.all([loadUsage(reader, database, q), loadUsage(reader, database, q, true)]);
  return suggest(q, rows, new Map(models.map((m) => [m.model, m])), families);
}
