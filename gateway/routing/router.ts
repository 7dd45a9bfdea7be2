// Picks deployments for a model group and calls the provider: load balancing, retries with backoff on
// 408/429/5xx/timeouts/connection errors (Retry-After honoured), cooldown of failing deployments, then fallbacks
// to other model groups (a context-window or content-policy failure goes to that reason's fallbacks at once).
// Every attempt is recorded on the request context and ends up in the response event.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RouterSettings } from '../../schemas/config.ts';
import { GatewayError } from '../errors.ts';
import { adapterFor } from '../providers/registry.ts';
import { UpstreamError, type UpstreamCall, type ProviderAdapter } from '../providers/types.ts';
import type { Deployment } from '../../core/deployments.ts';
import { now, type RequestTrace } from '../pipeline/trace.ts';
import { retryDelayMs } from './backoff.ts';
import { Cooldowns } from './cooldown.ts';
import { failureReason, type FailureReason } from './failure-reason.ts';
import { FallbackTable, type FallbackKind } from './fallbacks.ts';
import { DeploymentStats, pickDeployment } from './strategies.ts';

export type ProviderCall<T> = (adapter: ProviderAdapter, call: UpstreamCall) => Promise<T>;

const isRetryable = (status: number) => status === 408 || status === 429 || status >= 500;

export class Router {
  private readonly byModel = new Map<string, Deployment[]>();
  private readonly stats = new DeploymentStats();
  private readonly cooldowns: Cooldowns;
  private readonly fallbacks: FallbackTable;

  constructor(
    deployments: Deployment[],
    readonly settings: RouterSettings,
  ) {
    for (const d of deployments) {
      if (!adapterFor(d.provider)) throw new Error(`model_list: model "${d.params.model}" uses unknown provider "${d.provider}"`);
      const list = this.byModel.get(d.modelName) ?? [];
      list.push(d);
      this.byModel.set(d.modelName, list);
    }
    this.fallbacks = new FallbackTable(settings, (group) => this.byModel.has(group));
    this.cooldowns = new Cooldowns(settings.allowed_fails, settings.cooldown_time * 1000);
  }

  modelNames(): string[] {
    return [...this.byModel.keys()];
  }

  hasModel(model: string): boolean {
    return this.byModel.has(model);
  }

  /** Whether the model group has a deployment of one of these providers (false for an unknown model). */
  hasDeploymentOf(model: unknown, providers: ReadonlySet<string>): boolean {
    const list = typeof model === 'string' ? this.byModel.get(model) : undefined;
    return list?.some((d) => providers.has(d.provider)) ?? false;
  }

  deploymentsFor(model: string): Deployment[] {
    const list = this.byModel.get(model);
    if (!list) throw this.notFound(model);
    return list;
  }

  private notFound(model: string): GatewayError {
    const needle = model.toLowerCase().split('/').pop() ?? model;
    const close = this.modelNames()
      .filter((m) => m.toLowerCase().includes(needle) || needle.includes(m.toLowerCase().split('/').pop() ?? m))
      .slice(0, 5);
    const hint = close.length ? ` Did you mean: ${close.join(', ')}?` : ` Available models: ${this.modelNames().slice(0, 10).join(', ')}.`;
    return new GatewayError('model_not_found', `The model \`${model}\` does not exist or you do not have access to it.${hint}`, { param: 'model' });
  }

  /**
   * Calls the model group, then its fallbacks, until an attempt succeeds or nothing worth trying is left. A failure
   * with a reason switches to that reason's fallbacks (the generic ones when it has none); the client then sees that
   * failure, not whatever its fallbacks answered.
   */
  async call<T>(trace: RequestTrace, model: string, call: ProviderCall<T>, signal: AbortSignal): Promise<T> {
    const tried = new Set<string>();
    let plan: FallbackKind | 'primary' = 'primary';
    let queue = [model];
    let lastError: unknown;
    let reasonError: unknown;
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      tried.add(group);
      const outcome = await this.callGroup(trace, group, call, signal);
      if (outcome.ok) return outcome.value;
      lastError = outcome.error;
      if (signal.aborted || (!outcome.reason && !outcome.retryable)) break;
      reasonError ??= outcome.reason ? outcome.error : undefined;
      const kind = this.fallbacks.kindFor(model, outcome.reason);
      // A plain failure keeps the current plan; a reason that has its own table switches to it.
      if (plan === 'primary' || (outcome.reason && kind !== plan)) {
        plan = kind;
        queue = this.fallbacks.groups(kind, model).filter((g) => !tried.has(g));
      }
    }
    throw toUpstreamGatewayError(signal.aborted ? lastError : (reasonError ?? lastError));
  }

  private async callGroup<T>(
    trace: RequestTrace,
    model: string,
    call: ProviderCall<T>,
    signal: AbortSignal,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown; retryable: boolean; reason?: FailureReason }> {
    const all = this.deploymentsFor(model);
    const tried = new Set<string>();
    let error: unknown;
    for (let attempt = 0; attempt <= this.settings.num_retries; attempt++) {
      const healthy = all.filter((d) => !this.cooldowns.isCooling(d.id));
      const fresh = healthy.filter((d) => !tried.has(d.id));
      const candidates = fresh.length ? fresh : healthy.length ? healthy : all;
      const deployment = pickDeployment(this.settings.routing_strategy, candidates, this.stats);
      tried.add(deployment.id);
      const result = await this.attempt(trace, deployment, call, signal);
      if (result.ok) return result;
      error = result.error;
      // A longer wait or another deployment of the same group does not shorten a prompt or change a policy.
      const reason = failureReason(error);
      if (reason) return { ok: false, error, retryable: false, reason };
      if (signal.aborted || !isRetryable(statusOf(error))) return { ok: false, error, retryable: false };
      if (attempt < this.settings.num_retries) {
        const retryAfter = result.error instanceof UpstreamError ? result.error.options.retryAfterMs : undefined;
        await sleep(retryDelayMs(attempt, retryAfter), undefined, { signal }).catch(() => undefined);
      }
    }
    return { ok: false, error, retryable: true };
  }

  private async attempt<T>(trace: RequestTrace, deployment: Deployment, call: ProviderCall<T>, clientSignal: AbortSignal): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    const adapter = adapterFor(deployment.provider)!;
    // Adapters enforce timeoutMs themselves (one timer per call, not a composed signal per attempt).
    const timeoutMs = (deployment.params.timeout ?? this.settings.timeout) * 1000;
    const signal = clientSignal;
    trace.provider = deployment.provider;
    trace.deployment = deployment.id;
    const started = now();
    this.stats.begin(deployment.id);
    try {
      const value = await call(adapter, { deployment, signal, requestId: trace.requestId, timeoutMs });
      const latency = now() - started;
      this.stats.end(deployment.id, latency);
      this.cooldowns.success(deployment.id);
      trace.attempts.push({ provider: deployment.provider, deployment: deployment.id, status: 200, latency_ms: round(latency) });
      return { ok: true, value };
    } catch (raw) {
      this.stats.end(deployment.id, undefined);
      const error = raw;
      const status = statusOf(error);
      if (isRetryable(status) && !failureReason(error)) this.cooldowns.failure(deployment.id);
      trace.attempts.push({ provider: deployment.provider, deployment: deployment.id, status, latency_ms: round(now() - started), error: String((error as Error)?.message ?? error).slice(0, 200) });
      return { ok: false, error };
    }
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Gateway-side refusals keep their status (not retried); unknown failures count as a bad gateway. */
const statusOf = (err: unknown) => (err instanceof UpstreamError || err instanceof GatewayError ? err.status : 502);

export function toUpstreamGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof UpstreamError) {
    const reason = failureReason(err);
    if (reason === 'context_window') return new GatewayError('context_length_exceeded', err.message, { param: 'messages' });
    if (reason === 'content_policy') return new GatewayError('content_policy_violation', err.message);
    if (err.status === 408 || err.status === 504) return new GatewayError('upstream_timeout', `Upstream timed out: ${err.message}`);
    if (err.status === 429) return new GatewayError('rate_limit_exceeded', `Upstream rate limit: ${err.message}`, { retryAfterSeconds: Math.max(1, Math.ceil((err.options.retryAfterMs ?? 1000) / 1000)) });
    if (err.status === 401 || err.status === 403) return new GatewayError('upstream_error', `Upstream rejected the gateway's credentials (${err.status}): ${err.message}`);
    if (err.status >= 400 && err.status < 500) return new GatewayError('invalid_request', err.message);
    return new GatewayError('upstream_error', `Upstream error ${err.status}: ${err.message}`);
  }
  return new GatewayError('upstream_error', `Upstream call failed: ${(err as Error)?.message ?? 'unknown error'}`);
}
