// /customer/new|info|update|delete|list|block|unblock, LiteLLM-compatible (a customer is an end user: the request's
// `user` field), also under LiteLLM's older /end_user/ prefix. Registered inside the admin plugin (routes/admin.ts);
// the work is in governance/customer-admin.ts.
import type { FastifyInstance } from 'fastify';
import type { customerAdmin } from '../../governance/customer-admin.ts';
import type { Body as BodyValue, Query } from '../../governance/shapes.ts';
import { actorOf } from '../keys.ts';
import { Alias, Body, Id, IdList, settingsProps } from './schemas.ts';

const CustomerBody = Body({ ...settingsProps, user_id: Id, alias: Alias });
const CustomerIds = Body({ user_ids: IdList });

export function customerRoutes(app: FastifyInstance, customers: ReturnType<typeof customerAdmin>): void {
  const body = (request: { body: unknown }) => request.body as BodyValue;
  for (const prefix of ['/customer', '/end_user']) {
    app.post(`${prefix}/new`, { schema: { body: CustomerBody } }, (request) => customers.create(actorOf(request), body(request)));
    app.get(`${prefix}/info`, (request) => customers.info(request.query as Query));
    app.post(`${prefix}/update`, { schema: { body: CustomerBody } }, (request) => customers.update(actorOf(request), body(request)));
    app.post(`${prefix}/delete`, { schema: { body: CustomerIds } }, (request) => customers.delete(actorOf(request), body(request)));
    app.get(`${prefix}/list`, (request) => customers.list(request.query as Query));
    app.post(`${prefix}/block`, { schema: { body: CustomerIds } }, (request) => customers.block(actorOf(request), body(request)));
    app.post(`${prefix}/unblock`, { schema: { body: CustomerIds } }, (request) => customers.unblock(actorOf(request), body(request)));
  }
}
