// Which models a caller may use: a key's (or JWT's) model pattern list, checked before routing and when listing, and
// the lists of the team, user, customer and tag records a request falls under (each must allow the model).
import type { RequestEntities } from '../../core/governance/entities.ts';
import { GatewayError } from '../errors.ts';
import type { Principal } from './principal.ts';

/** Does the model pattern list allow `model`? Empty list, `*` and `all-proxy-models` allow all; `openai/*` is a prefix. */
export function modelAllowed(models: readonly string[], model: string): boolean {
  if (models.length === 0) return true;
  return models.some((m) => m === model || m === '*' || m === 'all-proxy-models' || (m.endsWith('*') && model.startsWith(m.slice(0, -1))));
}

/** 403 model_not_allowed unless the principal may use `model`. */
export function assertModelAllowed(principal: Pick<Principal, 'models' | 'alias' | 'keyId'>, model: string): void {
  if (modelAllowed(principal.models, model)) return;
  const who = principal.alias || principal.keyId || 'this key';
  throw new GatewayError('model_not_allowed', `The API key ${who} is not allowed to use model "${model}". Allowed models: ${principal.models.join(', ')}.`, {
    param: 'model',
  });
}

const recordsOf = (entities: RequestEntities) => [entities.team, entities.user, entities.customer, ...entities.tags];

/** Does every record of the request (team, user, customer, tags) allow `model`? */
export function entitiesAllowModel(entities: RequestEntities, model: string): boolean {
  return recordsOf(entities).every((e) => !e || modelAllowed(e.models, model));
}

/** 403 model_not_allowed unless every record of the request (team, user, customer, tags) allows `model`. */
export function assertEntitiesAllowModel(entities: RequestEntities, model: string): void {
  for (const e of recordsOf(entities)) {
    if (!e || modelAllowed(e.models, model)) continue;
    const shown = e.models.slice(0, 20).join(', ') + (e.models.length > 20 ? ', …' : '');
    throw new GatewayError('model_not_allowed', `The ${e.kind} ${e.id} is not allowed to use model "${model}". Allowed models: ${shown}.`, { param: 'model' });
  }
}

/** For GET /v1/models: only what the caller may use. */
export function filterAllowedModels<T extends string>(principal: Pick<Principal, 'models'>, models: readonly T[]): T[] {
  return models.filter((m) => modelAllowed(principal.models, m));
}
