// The PII page's reads: incidents by entity, action and direction from the PII rollup (v_pii_1m), and the latest
// incidents from v_pii_incidents — entity types, locations and keyed fingerprints only; no table holds a value.
import { bucket, inRange } from './query-clauses.ts';

export const PII_QUERIES = {
  /** Incidents per bucket and entity, for the chart. */
  pii_series: `SELECT ${bucket}, entity, sum(incidents) AS incidents
    FROM v_pii_1m WHERE ${inRange} GROUP BY t, entity ORDER BY t, entity`,
  /** Incidents and the requests that had them, by entity, action and direction (request = input, response = output). */
  pii_breakdown: `SELECT entity, action, direction, sum(incidents) AS incidents, sum(requests) AS requests
    FROM v_pii_1m WHERE ${inRange} GROUP BY entity, action, direction ORDER BY incidents DESC, entity, action, direction`,
  /** The latest 50 incidents with where they were found and the value's fingerprint. */
  pii_recent: `SELECT toString(ts) AS at, entity, action, direction, key_id, team_id, model, path, fingerprint
    FROM v_pii_incidents WHERE ts >= now() - toIntervalSecond({range:UInt32}) ORDER BY ts DESC LIMIT 50`,
} as const;
