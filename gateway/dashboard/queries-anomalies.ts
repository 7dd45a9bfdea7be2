// The Anomalies page's reads: the latest anomalies with their webhook outcome (v_anomalies), and webhook delivery
// attempts (v_webhook_deliveries), both as totals and as the latest attempts with their reason.
const since = 'ts >= now() - toIntervalSecond({range:UInt32})';

export const ANOMALY_QUERIES = {
  /** The latest 100 anomalies: what, where (dimension + entity), observed against the usual (baseline). */
  anomalies_recent: `SELECT toString(ts) AS at, toString(anomaly_id) AS anomaly_id, kind, severity, dimension, entity, metric,
      observed, baseline, threshold, summary, delivered_endpoints, dead_lettered_endpoints
    FROM v_anomalies WHERE ${since} ORDER BY ts DESC, anomaly_id LIMIT 100`,
  /** Delivery attempts per endpoint and status, with the highest attempt number and the latest reason. */
  webhook_summary: `SELECT endpoint, status, count() AS attempts, max(attempt) AS max_attempt, argMax(error, ts) AS last_error
    FROM v_webhook_deliveries WHERE ${since} GROUP BY endpoint, status ORDER BY endpoint, status`,
  /** The latest 100 delivery attempts. */
  webhook_recent: `SELECT toString(ts) AS at, toString(anomaly_id) AS anomaly_id, anomaly_kind, endpoint, attempt, status, http_status, error
    FROM v_webhook_deliveries WHERE ${since} ORDER BY ts DESC, endpoint, attempt DESC LIMIT 100`,
} as const;
