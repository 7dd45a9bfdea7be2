// Which models a caller may use: a key's (or JWT's) model pattern list, checked before routing and when listing.
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

/** For GET /v1/models: only what the caller may use. */
export function filterAllowedModels<T extends string>(principal: Pick<Principal, 'models'>, models: readonly T[]): T[] {
  return models.filter((m) => modelAllowed(principal.models, m));
}
