// GET /v1/models — the model groups this caller may use (its key's list, and its team's and user's records'),
// OpenAI's list shape.
import type { FastifyInstance } from 'fastify';
import type { GatewayDeps } from '../deps.ts';
import { entitiesAllowModel, filterAllowedModels } from '../auth/model-access.ts';
import type { Principal } from '../auth/principal.ts';

/** The caller's team and user records; none when it has neither, or the store cannot answer (the key's list then rules). */
async function entitiesOf(deps: GatewayDeps, principal: Principal | null | undefined) {
  if (!deps.governance || !principal || (!principal.teamId && !principal.userId)) return undefined;
  return deps.governance.resolve({ teamId: principal.teamId, userId: principal.userId, endUser: '', tags: [] }).catch(() => undefined);
}

export function modelsRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.get('/v1/models', async (request) => {
    const created = Math.floor(Date.now() / 1000);
    const entities = await entitiesOf(deps, request.principal);
    const names = filterAllowedModels(request.principal ?? { models: [] }, deps.router.modelNames()).filter((id) => !entities || entitiesAllowModel(entities, id));
    const data = names.map((id) => ({ id, object: 'model' as const, created, owned_by: deps.router.deploymentsFor(id)[0]!.provider }));
    return { object: 'list', data };
  });
}
