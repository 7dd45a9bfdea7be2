// `helix_settings.dashboard`: the built-in dashboard, served by the gateway under /ui/ on its own port (docs/dashboard.md).
// `port` is the product spec's and is not used: the dashboard shares the gateway's port.
import { Type, type Static } from '@sinclair/typebox';

export const DashboardSettings = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 8501 }),
    /** Seconds between the dashboard's data refreshes (no page reload). */
    refresh_interval: Type.Number({ exclusiveMinimum: 0, default: 5 }),
  },
  { additionalProperties: false, default: {} },
);

export type DashboardSettings = Static<typeof DashboardSettings>;
