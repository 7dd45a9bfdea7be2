// GET /v1/responses/{id}, GET /v1/responses/{id}/input_items and DELETE /v1/responses/{id}: the responses Helix
// stored for previous_response_id (gateway/responses/store.ts), visible only to the key that created them. Not model
// calls: they end no request in the event stream.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { GatewayDeps } from '../deps.ts';
import { GatewayError } from '../errors.ts';
import { ResponseStore, type StoredResponse } from '../responses/store.ts';
import { PROXY_PATHS } from './proxy-paths.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) });
const ItemsQuery = Type.Object({
  // A query string carries text: the limit is digits, read below (1–100, default 20).
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  after: Type.Optional(Type.String({ maxLength: 256 })),
});

export async function storedResponsesApi(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const store = deps.redis ? new ResponseStore(deps.redis) : undefined;
  const path = `${PROXY_PATHS.responses}/:id`;

  async function stored(request: FastifyRequest): Promise<{ record: StoredResponse; id: string }> {
    request.trace.finished = true;
    const { id } = request.params as { id: string };
    const record = await store?.load(id, request.principal?.keyId ?? '');
    if (!record) throw new GatewayError('not_found', `No response with id '${id}' found.`);
    return { record, id };
  }

  app.get(path, { schema: { params: Params } }, async (request) => (await stored(request)).record.response);

  app.get(`${path}/input_items`, { schema: { params: Params, querystring: ItemsQuery } }, async (request) => {
    const { record, id } = await stored(request);
    const query = request.query as { limit?: string; order?: 'asc' | 'desc'; after?: string };
    const limit = Math.min(100, Math.max(1, Number(query.limit ?? 20)));
    const items = record.input.map((item, i) => ({ id: typeof item.id === 'string' ? item.id : `item_${id}_${i}`, ...item }));
    const ordered = query.order === 'asc' ? items : items.reverse();
    const start = query.after ? ordered.findIndex((item) => item.id === query.after) + 1 : 0;
    const data = ordered.slice(start, start + limit);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + data.length < ordered.length };
  });

  app.delete(path, { schema: { params: Params } }, async (request) => {
    request.trace.finished = true;
    const { id } = request.params as { id: string };
    if (!(await store?.delete(id, request.principal?.keyId ?? ''))) throw new GatewayError('not_found', `No response with id '${id}' found.`);
    return { id, object: 'response', deleted: true };
  });
}
