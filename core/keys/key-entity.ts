// How a KeyRecord is laid out in Redis: the redis-om schema (RediSearch index for listing) and the conversions
// between records and stored JSON documents, whose id is the key's hash.
import { Schema, EntityId, type Entity } from 'redis-om';
import type { KeyRecord } from './key-record.ts';

/** String fields are RediSearch TAGs (exact match, case-sensitive); values may not contain the separator `|`. */
export function keySchema(schemaName: string): Schema {
  return new Schema(
    schemaName,
    {
      key_id: { type: 'string', caseSensitive: true },
      key_alias: { type: 'string', caseSensitive: true },
      user_id: { type: 'string', caseSensitive: true },
      team_id: { type: 'string', caseSensitive: true },
      blocked: { type: 'boolean' },
      created_ms: { type: 'number', sortable: true },
      models: { type: 'string[]', indexed: false },
    },
    { dataStructure: 'JSON' },
  );
}

/** The stored document: the hash is its id, not a field. */
export function toEntity(record: KeyRecord): Entity {
  const { key_hash: _hash, ...rest } = record;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return out as Entity;
}

/** The record of a fetched document; undefined when there is none (redis-om returns an empty entity). */
export function toRecord(entity: Entity): KeyRecord | undefined {
  const e = entity as Record<string, unknown>;
  const hash = entity[EntityId];
  if (typeof e.key_id !== 'string' || !hash) return undefined;
  const data = Object.fromEntries(Object.entries(e)); // own string keys only (drops redis-om's symbols)
  return {
    ...(data as unknown as KeyRecord),
    key_hash: hash,
    models: Array.isArray(e.models) ? (e.models as string[]) : [],
    metadata: e.metadata && typeof e.metadata === 'object' ? (e.metadata as Record<string, unknown>) : {},
    blocked: e.blocked === true,
    rotation_count: typeof e.rotation_count === 'number' ? e.rotation_count : 0,
  };
}
