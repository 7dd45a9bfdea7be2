// Fastify wiring of attribution and governance for every proxy route: a preHandler (after auth and body validation,
// before the rate limits) reads the request's end user and tags onto its trace (so every event carries them), takes
// the tags out of the body that goes upstream, looks up the team, user, customer and tag records (one lookup, none
// when the request names nothing) and refuses what they block or do not allow. The records stay on the trace for
// the rate limits and the budget hold.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isRecord } from '../../lib/is-record.ts';
import { attributionOf, upstreamMetadata, type BodyShape } from './attribution.ts';
import type { Governance } from './governance.ts';

const shapeOf = (request: FastifyRequest): BodyShape => (request.routeOptions.config.errorShape === 'anthropic' ? 'anthropic' : 'openai');

/** Register AFTER registerAuth and BEFORE registerLimits, in the context of the routes it guards. */
export function registerGovernance(app: FastifyInstance, governance: Governance | undefined): void {
  // Callback style: most requests need nothing awaited here.
  app.addHook('preHandler', (request, _reply, done) => {
    const body = request.body;
    if (request.method !== 'POST' || !isRecord(body)) return done();
    const trace = request.trace;
    try {
      const shape = shapeOf(request);
      const { endUser, tags } = attributionOf(body, request.headers, shape);
      request.body = upstreamMetadata(body, shape);
      trace.endUser = endUser;
      trace.tags = tags;
    } catch (err) {
      return done(err as Error);
    }
    // Nobody to look up (no team, user, end user or tag): nothing to wait for.
    if (!governance || (!trace.teamId && !trace.userId && !trace.endUser && trace.tags.length === 0)) return done();
    const model = typeof body.model === 'string' ? body.model : undefined;
    governance
      .resolve(trace)
      .then((entities) => {
        trace.entities = entities;
        if (entities) governance.admit(entities, model);
      })
      .then(() => done(), (err: unknown) => done(err as Error));
  });
}
