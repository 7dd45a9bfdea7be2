// Whether and how the gateway serves the dashboard: helix_settings.dashboard.enabled, an admin check to sign in with,
// and Redis for the sessions. What app.ts registers: the dashboard plugin and the admin check that accepts its cookie.
// Without a master key (a plain `npm start`) the local key that `npm start` keeps for the SQL endpoint signs in.
import { readLocalSqlKey } from '../../lib/local-sql-key.ts';
import type { GatewayDeps } from '../deps.ts';
import { adminCheckWithSessions, type AdminCheck } from './admin-check.ts';
import type { DashboardUiOptions } from './routes.ts';
import { createDashboardSessions } from './sessions.ts';

export interface DashboardMount {
  admin: AdminCheck;
  options: DashboardUiOptions;
}

export function dashboardMount(deps: GatewayDeps): DashboardMount | undefined {
  const settings = deps.config.helix_settings.dashboard;
  if (!settings.enabled || !deps.auth || !deps.redis) return undefined;
  const sessions = createDashboardSessions(deps.redis, deps.config.helix_settings.auth.redis_prefix);
  const admin = adminCheckWithSessions(deps.auth, sessions);
  const localKey = deps.config.env.masterKey ? undefined : readLocalSqlKey(deps.config.env.dataDir);
  return { admin, options: { auth: deps.auth, sessions, admin, localKey, analytics: deps.costControl?.analytics, refreshInterval: settings.refresh_interval, logPrompts: deps.config.helix_settings.log_prompts } };
}
