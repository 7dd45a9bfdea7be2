// JSON Schema (what OpenAI clients send for tool parameters and json_schema answers) → Gemini's `Schema`, the
// OpenAPI 3.0 subset generateContent accepts. Google rejects every other keyword with a 400 ("Unknown name …:
// Cannot find field"), so: $ref/$defs are inlined, `const` becomes a one-value enum, type lists become `type` +
// `nullable`, oneOf becomes anyOf, a single allOf is merged, and the rest of the unsupported keywords are dropped.
import { isRecord } from '../../../lib/is-record.ts';

type Json = Record<string, unknown>;

/** Keywords of Gemini's Schema object (AI Studio v1beta and Vertex v1). */
export const GEMINI_SCHEMA_FIELDS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
  'default', 'items', 'minimum', 'maximum',
]);

export const GEMINI_SCHEMA_TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);

/** Nested $ref chains deeper than this are cut (recursive schemas cannot be inlined). */
const MAX_DEPTH = 24;

function resolveRef(ref: string, defs: Json): Json | undefined {
  const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  const target = m ? defs[decodeURIComponent(m[1]!.replace(/~1/g, '/').replace(/~0/g, '~'))] : undefined;
  return isRecord(target) ? target : undefined;
}

function convert(schema: unknown, defs: Json, depth: number): Json {
  if (!isRecord(schema) || depth > MAX_DEPTH) return {};
  let node: Json = schema;
  if (typeof node.$ref === 'string') {
    const { $ref, ...rest } = node;
    node = { ...(resolveRef($ref as string, defs) ?? {}), ...rest };
  }
  if (Array.isArray(node.allOf) && node.allOf.length === 1 && isRecord(node.allOf[0])) {
    const { allOf, ...rest } = node;
    node = { ...(allOf as Json[])[0], ...rest };
  }
  const out: Json = {};
  let nullable = node.nullable === true;
  const type = node.type;
  if (typeof type === 'string') {
    if (type === 'null') nullable = true;
    out.type = type.toUpperCase();
  } else if (Array.isArray(type)) {
    const real = type.filter((t): t is string => typeof t === 'string' && t !== 'null');
    if (real.length < type.length) nullable = true;
    if (real.length === 1) out.type = real[0]!.toUpperCase();
    else if (real.length > 1) out.anyOf = real.map((t) => ({ type: t.toUpperCase() }));
  }
  const variants = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (variants) {
    const kept = variants.filter((v) => !(isRecord(v) && v.type === 'null'));
    if (kept.length < variants.length) nullable = true;
    if (kept.length === 1 && out.type === undefined) Object.assign(out, convert(kept[0], defs, depth + 1));
    else if (kept.length) out.anyOf = kept.map((v) => convert(v, defs, depth + 1));
  }
  if (node.const !== undefined && node.enum === undefined) out.enum = [String(node.const)];
  for (const [key, value] of Object.entries(node)) {
    if (!GEMINI_SCHEMA_FIELDS.has(key) || key in out || key === 'nullable') continue;
    switch (key) {
      case 'properties':
        if (isRecord(value)) out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, defs, depth + 1)]));
        break;
      case 'items':
        if (isRecord(value)) out.items = convert(value, defs, depth + 1);
        break;
      case 'enum':
        if (Array.isArray(value)) {
          const values = value.filter((v) => v !== null).map(String);
          if (values.length < value.length) nullable = true;
          out.enum = values;
        }
        break;
      case 'required':
        if (Array.isArray(value)) out.required = value.filter((r) => typeof r === 'string');
        break;
      case 'minItems': case 'maxItems': case 'minLength': case 'maxLength': case 'minProperties': case 'maxProperties':
        // int64 fields: Google takes them as strings (numbers are accepted too, strings are the documented form).
        if (typeof value === 'number') out[key] = String(value);
        else if (typeof value === 'string') out[key] = value;
        break;
      case 'anyOf':
        break; // handled above
      default:
        out[key] = value;
    }
  }
  if (out.enum !== undefined && out.type === undefined) out.type = 'STRING';
  // Enum values are strings on the wire; a non-string enum says so with format `enum` (the reference's example).
  if (Array.isArray(out.enum) && out.type !== 'STRING') out.format = 'enum';
  if (typeof out.type === 'string' && !GEMINI_SCHEMA_TYPES.has(out.type)) delete out.type;
  if (out.type === 'OBJECT' && isRecord(out.properties) && Object.keys(out.properties).length === 0) delete out.properties;
  if (Array.isArray(out.required) && isRecord(out.properties)) {
    const props = out.properties;
    out.required = (out.required as string[]).filter((r) => r in props);
  }
  if (nullable) out.nullable = true;
  return out;
}

/** A JSON Schema → Gemini Schema (never throws: what cannot be expressed is dropped). */
export function toGeminiSchema(schema: unknown): Json {
  if (!isRecord(schema)) return {};
  const defs: Json = { ...(isRecord(schema.definitions) ? schema.definitions : {}), ...(isRecord(schema.$defs) ? schema.$defs : {}) };
  return convert(schema, defs, 0);
}
