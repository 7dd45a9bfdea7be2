// Picks the deployment(s) for a model name and calls the provider with retries.
// (Load-balancing strategies, fallbacks and cooldowns build on this in the proxy issue.)
import type { RouterSettings } from '../../schemas/config.ts';
import { GatewayError } from '../errors.ts';
import { adapterFor } from '../providers/registry.ts';
import { UpstreamError, type CallContext, type Deployment, type ProviderAdapter } from '../providers/types.ts';
import { now, type RequestContext } from '../pipeline/context.ts';

export class Router {
  private readonly byModel = new Map<string, Deployment[]>();

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
  }

  modelNames(): string[] {
    return [...this.byModel.keys()];
  }

  deploymentsFor(model: string): Deployment[] {
    const list = this.byModel.get(model);
    if (!list) {
      const close = this.modelNames().filter((m) => m.includes(model) || model.includes(m.split('/').pop() ?? m)).slice(0, 5);
      throw new GatewayError('model_not_found', `The model \`${model}\` does not exist or you do not have access to it.${close.length ? ` Did you mean: ${close.join(', ')}?` : ''}`, { param: 'model' });
    }
    return list;
  }

  /**
   * Runs `call` against the model's deployments until one succeeds. Records every attempt on the context.
   * Streams retry only until their first chunk has been sent (the caller enforces that).
   */
  async call<T>(ctx: RequestContext, model: string, call: (adapter: ProviderAdapter, cc: CallContext) => Promise<T>, signal: AbortSignal): Promise<T> {
    const deployments = this.deploymentsFor(model);
    const maxAttempts = this.settings.num_retries + 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const deployment = deployments[attempt % deployments.length]!;
      const adapter = adapterFor(deployment.provider)!;
      ctx.provider = deployment.provider;
      ctx.deployment = deployment.id;
      const started = now();
      try {
        const timeoutMs = (deployment.params.timeout ?? this.settings.timeout) * 1000;
        const result = await call(adapter, { deployment, signal, requestId: ctx.requestId, timeoutMs });
        ctx.attempts.push({ provider: deployment.provider, deployment: deployment.id, status: 200, latency_ms: now() - started });
        return result;
      } catch (err) {
        const status = err instanceof UpstreamError ? err.status : 502;
        ctx.attempts.push({ provider: deployment.provider, deployment: deployment.id, status, latency_ms: now() - started, error: (err as Error).message.slice(0, 200) });
        lastError = err;
        if (signal.aborted || !(err instanceof UpstreamError) || !isRetryable(status)) break;
      }
    }
    throw toUpstreamGatewayError(lastError);
  }
}

const isRetryable = (status: number) => status === 408 || status === 429 || status >= 500;

export function toUpstreamGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof UpstreamError) {
    if (err.status === 408 || err.status === 504) return new GatewayError('upstream_timeout', `Upstream timed out: ${err.message}`);
    if (err.status === 429) return new GatewayError('rate_limit_exceeded', `Upstream rate limit: ${err.message}`, { retryAfterSeconds: Math.ceil((err.options.retryAfterMs ?? 1000) / 1000) });
    if (err.status >= 400 && err.status < 500) return new GatewayError('invalid_request', err.message);
    return new GatewayError('upstream_error', `Upstream error ${err.status}: ${err.message}`);
  }
  return new GatewayError('upstream_error', `Upstream call failed: ${(err as Error)?.message ?? 'unknown error'}`);
}
