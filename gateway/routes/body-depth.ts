// How deeply a client's JSON body may nest: deeper bodies are refused with a 400 before anything walks them
// recursively (the PII scan, token counting, serializing an echo) and runs out of stack.
import type { preValidationHookHandler } from 'fastify';
import { GatewayError } from '../errors.ts';

/** Far deeper than any real tool or output schema, far below what a recursive walk can take. */
export const MAX_BODY_DEPTH = 128;

/** Whether `value` nests objects/arrays more than `max` levels deep (walked without recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const nodes: object[] = [value as object];
  const depths: number[] = [1];
  for (let node = nodes.pop(); node !== undefined; node = nodes.pop()) {
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children: Iterable<unknown> = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (child === null || typeof child !== 'object') continue;
      nodes.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

/** The app's preValidation hook (every route): a body nested deeper than MAX_BODY_DEPTH is refused. Callback style: nothing to wait for. */
export const refuseDeepBodies: preValidationHookHandler = (request, _reply, done) => {
  const body = request.body;
  if (body !== null && typeof body === 'object' && nestedDeeperThan(body, MAX_BODY_DEPTH)) {
    return done(new GatewayError('invalid_request', `The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`));
  }
  done();
};
