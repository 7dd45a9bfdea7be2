// GET /v1/models — the model groups this caller may use, OpenAI's list shape.
import type { FastifyInstance } from 'fastify';
import type { GatewayDeps } from '../deps.ts';
import { filterAllowedModels } from '../auth/model-access.ts';

export function modelsRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.get('/v1/models', async (request) => {
    const created = Math.floor(Date.now() / 1000);
    const data = filterAllowedModels(request.principal ?? { models: [] }, deps.router.modelNames()).map((id) => ({ id, object: 'model' as const, created, owned_by: deps.router.deploymentsFor(id)[0]!.provider }));
    return { object: 'list', data };
  });
}
