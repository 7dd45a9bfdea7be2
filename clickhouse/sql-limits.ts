// Bounds on one user query, applied by ClickHouse: the embedded store's read-only session sets them before
// `readonly = 1` (which then forbids changing them); on a ClickHouse server they are constraints of the read-only user.
export interface SqlLimits {
  /** The query fails with TIMEOUT_EXCEEDED after this long. */
  maxExecutionSeconds: number;
  /** A longer result fails (result_overflow_mode = 'throw') rather than being cut silently. */
  maxResultRows: number;
  maxResultBytes: number;
  maxMemoryBytes: number;
}

export const DEFAULT_SQL_LIMITS: SqlLimits = {
  maxExecutionSeconds: 30,
  maxResultRows: 100_000,
  maxResultBytes: 64 * 1024 * 1024,
  maxMemoryBytes: 1024 * 1024 * 1024,
};

export function limitSettings(limits: SqlLimits): Record<string, number | string> {
  return {
    max_execution_time: limits.maxExecutionSeconds,
    max_result_rows: limits.maxResultRows,
    max_result_bytes: limits.maxResultBytes,
    result_overflow_mode: 'throw',
    max_memory_usage: limits.maxMemoryBytes,
  };
}

/** ClickHouse error codes of a query stopped by one of these limits. */
export const LIMIT_ERROR_CODES = new Set([158, 159, 160, 241, 307, 396]);
