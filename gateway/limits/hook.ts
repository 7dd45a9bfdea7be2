// Fastify wiring of model permissions and rate limits for every proxy route, so routes need no changes:
// a preHandler (after body validation, before the handler) checks the key may use `body.model` (403) and admits the
// call against RPM/TPM (429 + Retry-After) of the key and of the team, user, customer and tag records the governance
// hook put on the trace; the rate-limit headers go on the raw response, so they are also sent when a
// route hijacks the reply for streaming; when the response is done, the actual tokens are recorded.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertModelAllowed } from '../auth/model-access.ts';
import { ANONYMOUS, type Principal } from '../auth/principal.ts';
import type { RequestEntities } from '../../core/governance/entities.ts';
import type { Limits } from './rate-limits.ts';
import { estimateRequestTokens } from './estimate.ts';

export interface LimitsHookOptions {
  /** Estimate of the tokens a request may use (default: estimateRequestTokens on the body). */
  estimateTokens?: (body: unknown) => number;
  /** Tokens the call actually used, read when the response has finished (default: request.trace.usage.total_tokens). */
  usedTokens?: (request: FastifyRequest) => number | undefined;
}

const defaultUsed = (request: FastifyRequest) => (request as { trace?: { usage?: { total_tokens?: number } } }).trace?.usage?.total_tokens;
const entitiesOf = (request: FastifyRequest) => (request as { trace?: { entities?: RequestEntities } }).trace?.entities;

/** Register AFTER registerAuth (it reads `request.principal`), in the context of the routes it guards. */
export function registerLimits(app: FastifyInstance, limits: Limits, opts: LimitsHookOptions = {}): void {
  const estimate = opts.estimateTokens ?? estimateRequestTokens;
  const used = opts.usedTokens ?? defaultUsed;
  app.addHook('preHandler', async (request, reply) => {
    const principal = (request as { principal?: Principal | null }).principal;
    const entities = entitiesOf(request);
    if (!principal && !entities) return;
    const body = request.body as { model?: unknown } | undefined;
    if (principal && typeof body?.model === 'string') assertModelAllowed(principal, body.model);
    if (request.method !== 'POST') return; // listings (GET /v1/models) are not rate limited
    // Lazy: prompts are only tokenized when a TPM limit applies.
    const admission = await limits.admit(principal ?? ANONYMOUS, { estimatedTokens: () => estimate(body), entities });
    // On the raw response: merged into writeHead by fastify's send and by streaming routes' startSse alike.
    for (const [name, value] of Object.entries(admission.headers)) reply.raw.setHeader(name, value);
    if (admission.limited) reply.raw.once('close', () => admission.settle(used(request) ?? 0));
  });
}
