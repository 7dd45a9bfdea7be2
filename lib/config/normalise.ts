// One schema-driven pass over the config tree before it is validated:
// - a boolean where the schema has an object with an `enabled` flag means that flag: `model_swapping: true` is
//   `model_swapping: { enabled: true }`, the rest from defaults;
// - a null (a key written with no value, as in `model_list:` followed by a comment) counts as absent;
// - undeclared keys in open objects (LiteLLM's sections) are kept and listed as unused; in closed objects (Helix's
//   own, `helix_settings`) they are errors, with the nearest known key as a hint;
// - keys listed in `take` (the product spec's keys no Helix schema declares) are taken out with their values.
import { KindGuard, type TSchema, type TObject } from '@sinclair/typebox';
import { UNDECLARED_KEYS_USED } from '../../schemas/config.ts';
import { LITELLM_OWN_KEYS } from '../../schemas/config/litellm-settings.ts';
import { didYouMean } from './nearest.ts';

export interface Normalised {
  tree: unknown;
  /** Undeclared keys in open objects: kept, not read by Helix (`hint`: a declared key it may be a misspelling of). */
  unused: Array<{ path: string; hint: string }>;
  /** Undeclared keys in closed objects. */
  errors: string[];
  /** Values of the `take` keys found, by path. */
  taken: Map<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function acceptsNull(schema: TSchema): boolean {
  if (KindGuard.IsNull(schema) || KindGuard.IsUnknown(schema) || KindGuard.IsAny(schema)) return true;
  return KindGuard.IsUnion(schema) && schema.anyOf.some(acceptsNull);
}

function hasEnabledFlag(schema: TObject): boolean {
  const enabled = schema.properties.enabled;
  return enabled !== undefined && KindGuard.IsBoolean(enabled);
}

const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('.')));
const lastKey = (path: string) => path.slice(path.lastIndexOf('.') + 1);

export function normaliseConfig(root: unknown, schema: TSchema, take: ReadonlySet<string>): Normalised {
  const out: Normalised = { tree: undefined, unused: [], errors: [], taken: new Map() };
  const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

  const visit = (node: unknown, s: TSchema, path: string, closed: boolean): unknown => {
    if (KindGuard.IsObject(s)) {
      if (typeof node === 'boolean' && hasEnabledFlag(s)) return { enabled: node };
      if (!isPlainObject(node)) return node;
      // Closed: Helix owns the vocabulary. Objects inside a closed one stay closed unless they open explicitly.
      const closedHere = s.additionalProperties === false || (closed && s.additionalProperties !== true);
      const kept: Array<[string, unknown]> = [];
      for (const [key, value] of Object.entries(node)) {
        const here = join(path, key);
        const declared = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
        if (take.has(here)) out.taken.set(here, value);
        else if (declared) {
          if (value !== null || acceptsNull(declared)) kept.push([key, visit(value, declared, here, closedHere)]);
        } else if (closedHere) {
          const takenHere = [...take].filter((p) => parentOf(p) === path).map(lastKey);
          out.errors.push(`${here}: unknown setting${didYouMean(key, [...Object.keys(s.properties), ...takenHere])}`);
        } else {
          kept.push([key, value]);
          const options = s as Record<string, unknown>;
          const ownKey = (options[LITELLM_OWN_KEYS] as string[] | undefined)?.includes(key);
          if (!options[UNDECLARED_KEYS_USED]) out.unused.push({ path: here, hint: ownKey ? '' : didYouMean(key, Object.keys(s.properties)) });
        }
      }
      return Object.fromEntries(kept);
    }
    if (KindGuard.IsRecord(s) && isPlainObject(node)) {
      const valueSchema = Object.values(s.patternProperties)[0] as TSchema;
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, valueSchema, join(path, k), closed)]));
    }
    if (KindGuard.IsArray(s) && Array.isArray(node)) return node.map((v, i) => visit(v, s.items, `${path}[${i}]`, closed));
    return node;
  };

  out.tree = visit(root, schema, '', false);
  return out;
}
