// GET /v1/helix/optimizer/suggestions — cheaper models with similar usage, per key or team, with the estimated
// monthly saving, plus the savings report; GET /v1/helix/optimizer/savings — the report alone. Registered inside the
// admin plugin (routes/admin.ts): master key or admin JWT only. Query: group_by=key|team (default key), days
// (default 30), key, team.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { GatewayError } from '../errors.ts';
import type { CostControl } from '../budgets/cost-control.ts';
import { suggestions } from '../../core/optimizer/suggestions.ts';
import { savingsReport } from '../../core/optimizer/savings.ts';

const Query = Type.Object(
  {
    group_by: Type.Optional(Type.Union([Type.Literal('key'), Type.Literal('team')])),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
    key: Type.Optional(Type.String({ maxLength: 256 })),
    team: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
type Query = Static<typeof Query>;

export function optimizerRoutes(app: FastifyInstance, deps: { costControl: CostControl }): void {
  const costControl = deps.costControl;

  const analytics = () => {
    if (!costControl.analytics) throw new GatewayError('service_unavailable', 'The analytics store is not configured.');
    return costControl.analytics;
  };

  app.get<{ Querystring: Query }>('/v1/helix/optimizer/suggestions', { schema: { querystring: Query } }, async (request) => {
    const q = { groupBy: request.query.group_by ?? 'key', days: request.query.days ?? 30, key: request.query.key, team: request.query.team };
    const reader = analytics();
    const [data, savings] = await Promise.all([suggestions(reader, costControl.database, costControl.families, q), savingsReport(reader, costControl.database, q)]);
    const monthly = data.reduce((n, s) => n + s.estimated_monthly_saving_usd, 0);
    return { object: 'optimizer.suggestions', group_by: q.groupBy, window_days: q.days, estimated_monthly_saving_usd: Math.round(monthly * 1e6) / 1e6, data, savings };
  });

  app.get<{ Querystring: Query }>('/v1/helix/optimizer/savings', { schema: { querystring: Query } }, async (request) => {
    return savingsReport(analytics(), costControl.database, { days: request.query.days ?? 30, key: request.query.key, team: request.query.team });
  });
}
