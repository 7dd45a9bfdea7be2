// The one type guard for parsed JSON objects: a plain object, not null and not an array.
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
