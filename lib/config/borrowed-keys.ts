// Applies the keys of other vocabularies (schemas/config/spec-keys.ts) to the config tree before defaults are filled
// in, and says which of them ask for something Helix does not do.
import { Value } from '@sinclair/typebox/value';
import { describeSchemaError } from './schema-errors.ts';
import { LITELLM_ROUTER_KEYS, LITELLM_SETTINGS_ALIASES, SPEC_KEYS, type TreeAccess } from '../../schemas/config/spec-keys.ts';

const BORROWED_KEYS = [...SPEC_KEYS, ...LITELLM_SETTINGS_ALIASES, ...LITELLM_ROUTER_KEYS];

/** Keys no Helix schema declares: the normaliser takes them out of the tree. */
export const TAKEN_KEYS: ReadonlySet<string> = new Set(BORROWED_KEYS.filter((k) => k.schema).map((k) => k.path));

/** Keys without effect in Helix: a reference to an unset environment variable there is not an error. */
export const INERT_KEYS: readonly string[] = BORROWED_KEYS.filter((k) => !k.apply).map((k) => k.path);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function valueAt(tree: unknown, path: string): unknown {
  let node = tree;
  for (const key of path.split('.')) node = isObject(node) ? node[key] : undefined;
  return node;
}

function treeAccess(tree: Record<string, unknown>): TreeAccess {
  return {
    get: (path) => valueAt(tree, path),
    setIfUnset(path, value) {
      const keys = path.split('.');
      const last = keys.pop()!;
      let node: Record<string, unknown> = tree;
      for (const key of keys) {
        node[key] ??= {};
        const next = node[key];
        if (!isObject(next)) return; // not a section: validation reports it
        node = next;
      }
      if (node[last] === undefined) node[last] = value;
    },
  };
}

/**
 * Validates the taken keys (converting `"true"`-like strings from environment variables) and lets every borrowed key
 * act on the tree. Keys in `unresolved` (an unset environment variable) are left alone. Returns errors.
 */
export function applyBorrowedKeys(tree: Record<string, unknown>, taken: Map<string, unknown>, unresolved: ReadonlySet<string>): string[] {
  const errors: string[] = [];
  const access = treeAccess(tree);
  for (const key of BORROWED_KEYS) {
    let value = key.schema ? taken.get(key.path) : valueAt(tree, key.path);
    if (value === undefined || value === null || unresolved.has(key.path)) continue;
    if (key.schema) {
      value = Value.Convert(key.schema, value);
      const error = Value.Errors(key.schema, value).First();
      if (error) {
        errors.push(`${key.path}: ${describeSchemaError(error)}`);
        continue;
      }
      taken.set(key.path, value);
    }
    key.apply?.(value, access);
  }
  return errors;
}

/** `{ path, why }` for every borrowed key whose value (taken, or in the final config) Helix does not support. */
export function unsupportedKeys(config: unknown, taken: ReadonlyMap<string, unknown>): Array<{ path: string; why: string }> {
  const out: Array<{ path: string; why: string }> = [];
  for (const key of BORROWED_KEYS) {
    const value = key.schema ? taken.get(key.path) : valueAt(config, key.path);
    const why = value === undefined || value === null ? undefined : key.unsupported?.(value);
    if (why) out.push({ path: key.path, why });
  }
  return out;
}
