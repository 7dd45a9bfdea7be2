// `helix_settings.dashboard`: the product spec's dashboard settings. Helix has no dashboard of its own yet (the
// Grafana dashboards in grafana/ read ClickHouse); the section is validated and kept for one to use.
import { Type, type Static } from '@sinclair/typebox';

export const DashboardSettings = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 8501 }),
    /** Seconds between refreshes. */
    refresh_interval: Type.Number({ exclusiveMinimum: 0, default: 5 }),
  },
  { additionalProperties: false, default: {} },
);

export type DashboardSettings = Static<typeof DashboardSettings>;
