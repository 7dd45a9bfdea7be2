// Body schemas shared by the governance admin routes: the types of LiteLLM's request fields (bounds on values —
// budgets ≥ 0, periods, id characters — are checked by the store, core/governance/settings.ts). Unknown LiteLLM
// fields (organization_id, guardrails, budget_id, …) are accepted and ignored.
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

export const Nullable = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

export const Id = Type.String({ minLength: 1, maxLength: 256 });
export const IdList = Type.Array(Id, { minItems: 1, maxItems: 1000 });
const Text = (maxLength: number) => Nullable(Type.String({ maxLength }));

/** The governable settings every kind takes. */
export const settingsProps = {
  max_budget: Nullable(Type.Number()),
  budget_duration: Text(32),
  rpm_limit: Nullable(Type.Integer()),
  tpm_limit: Nullable(Type.Integer()),
  models: Nullable(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 1000 })),
  metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
  blocked: Nullable(Type.Boolean()),
};

export const Alias = Text(256);
export const Email = Text(320);
export const Description = Text(2000);

/** An object body that also takes (and ignores) fields it does not name. */
export const Body = <P extends TProperties>(props: P): TObject<P> => Type.Object(props, { additionalProperties: true });

export const Member = Type.Object(
  { user_id: Type.Optional(Id), role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('user')])), user_email: Email },
  { additionalProperties: true },
);
