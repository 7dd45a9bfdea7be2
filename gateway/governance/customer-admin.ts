// /customer/* (and LiteLLM's older /end_user/*) answered in LiteLLM's shapes. A customer is an end user: the
// request's `user` field. new, info (the customer + spend), update (the customer), delete ({deleted_customers,
// message}), list (an array), block (creates the customer when absent, as LiteLLM's upsert does) and unblock.
import type { KeyActor } from '../auth/key-audit.ts';
import type { GovernanceAdmin } from './admin.ts';
import { ARRAY_LIST_MAX, changesFrom, customerShape, pageFrom, queryParam, type Body, type Query } from './shapes.ts';

export function customerAdmin(admin: GovernanceAdmin) {
  return {
    create: async (actor: KeyActor, body: Body) => customerShape(await admin.create(actor, 'customer', body.user_id as string, changesFrom('customer', body))),

    info: async (query: Query) => {
      const id = queryParam(query, 'end_user_id');
      const customer = await admin.get('customer', id);
      return { ...customerShape(customer), spend: await admin.spend('customer', id) };
    },

    update: async (actor: KeyActor, body: Body) => customerShape((await admin.update(actor, 'customer', body.user_id as string, changesFrom('customer', body))).record),

    delete: async (actor: KeyActor, body: Body) => {
      const ids = body.user_ids as string[];
      const { deleted } = await admin.delete(actor, 'customer', ids);
      return { deleted_customers: deleted.length, message: `Successfully deleted customers with ids: ${JSON.stringify(deleted.map((r) => r.id))}` };
    },

    list: async (query: Query) => (await admin.list('customer', pageFrom(query, ARRAY_LIST_MAX, ARRAY_LIST_MAX))).records.map(customerShape),

    block: async (actor: KeyActor, body: Body) => {
      const blocked = [];
      for (const id of new Set(body.user_ids as string[])) blocked.push(customerShape(await admin.upsert(actor, 'customer', id, { blocked: true })));
      return { blocked_users: blocked };
    },

    /** All or none: 404 when one of them does not exist. */
    unblock: async (actor: KeyActor, body: Body) => {
      const ids = [...new Set(body.user_ids as string[])];
      for (const id of ids) await admin.get('customer', id);
      const unblocked = [];
      for (const id of ids) unblocked.push(customerShape((await admin.update(actor, 'customer', id, { blocked: false })).record));
      return { unblocked_users: unblocked };
    },
  };
}
