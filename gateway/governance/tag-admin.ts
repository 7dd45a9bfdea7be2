// /tag/* answered in LiteLLM's shapes: new and update ({message, tag}), info (by `names`: {name: tag + spend}),
// delete ({message}), list (an array).
import type { KeyActor } from '../auth/key-audit.ts';
import { GatewayError } from '../errors.ts';
import type { GovernanceAdmin } from './admin.ts';
import { ARRAY_LIST_MAX, changesFrom, pageFrom, tagShape, type Body, type Query } from './shapes.ts';

export function tagAdmin(admin: GovernanceAdmin) {
  return {
    create: async (actor: KeyActor, body: Body) => {
      const tag = await admin.create(actor, 'tag', body.name as string, changesFrom('tag', body));
      return { message: `Tag ${tag.id} created successfully`, tag: tagShape(tag) };
    },

    update: async (actor: KeyActor, body: Body) => {
      const { record, changed } = await admin.update(actor, 'tag', body.name as string, changesFrom('tag', body));
      return { message: `Tag ${record.id} updated successfully`, tag: tagShape(record), changed_fields: changed };
    },

    /** `names` (POST body, as LiteLLM) or `name` (query): {name: tag}; 404 naming the missing ones. */
    info: async (names: string[]) => {
      const found = await admin.many('tag', names);
      const missing = names.filter((n) => !found.some((t) => t.id === n));
      if (missing.length > 0) throw new GatewayError('not_found', `Tags not found: ${JSON.stringify(missing.slice(0, 20))}`, { param: 'names' });
      const spends = await Promise.all(found.map((t) => admin.spend('tag', t.id)));
      return Object.fromEntries(found.map((t, i) => [t.id, { ...tagShape(t), spend: spends[i] }]));
    },

    delete: async (actor: KeyActor, body: Body) => {
      const names = typeof body.name === 'string' ? [body.name] : ((body.names ?? []) as string[]);
      if (names.length === 0) throw new GatewayError('invalid_request', 'Give the name of the tag to delete.', { param: 'name' });
      const { deleted } = await admin.delete(actor, 'tag', names);
      return { message: `Tag ${deleted.map((t) => t.id).join(', ')} deleted successfully` };
    },

    list: async (query: Query) => (await admin.list('tag', pageFrom(query, ARRAY_LIST_MAX, ARRAY_LIST_MAX))).records.map(tagShape),
  };
}
