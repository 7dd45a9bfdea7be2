// How deeply a client's JSON body may nest: deeper bodies are refused with a 400 before anything walks them
// recursively (the PII scan, token counting, serializing an echo) and runs out of stack.
import type { preValidationAsyncHookHandler } from 'fastify';
import { GatewayError } from '../errors.ts';

/** Far deeper than any real tool or output schema, far below what a recursive walk can take. */
export const MAX_BODY_DEPTH = 128;

/** Whether `value` nests objects/arrays more than `max` levels deep (walked without recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, depth] = next;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** The app's preValidation hook (every route): a body nested deeper than MAX_BODY_DEPTH is refused. */
export const refuseDeepBodies: preValidationAsyncHookHandler = async (request) => {
  const body = request.body;
  if (body !== null && typeof body === 'object' && nestedDeeperThan(body, MAX_BODY_DEPTH)) {
    throw new GatewayError('invalid_request', `The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`);
  }
};
