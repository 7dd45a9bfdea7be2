// `helix_settings.dashboard`: the built-in dashboard, served by the gateway under /ui/ on its own port (docs/dashboard.md).
// `port` is the product spec's and is not used: the dashboard shares the gateway's port (a port other than the
// spec's 8501 is warned about, schemas/config/spec-keys.ts).
import { Type, type Static } from '@sinclair/typebox';

/** The product spec's dashboard port: accepted quietly, as the spec's own examples set it. */
export const DASHBOARD_SPEC_PORT = 8501;

export const DashboardSettings = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: DASHBOARD_SPEC_PORT }),
    /** Seconds between the dashboard's data refreshes (no page reload). */
    refresh_interval: Type.Number({ exclusiveMinimum: 0, default: 5 }),
  },
  { additionalProperties: false, default: {} },
);

export type DashboardSettings = Static<typeof DashboardSettings>;
