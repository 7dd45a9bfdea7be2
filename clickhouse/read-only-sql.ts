// Guards the read-only SQL surface. Embedded chdb keeps settings per session (readonly=1 would stick and block the
// sink's inserts), so the statement itself is checked: one statement, a read verb, no file/network table functions.
const READ_VERBS = /^\s*(select|with|show|describe|desc|explain|exists)\b/i;
const FORBIDDEN = /\b(into\s+outfile|file|url|s3|s3cluster|hdfs|remote|remotesecure|mysql|postgresql|jdbc|odbc|executable|azureblobstorage|gcs)\s*\(|\binto\s+outfile\b/i;

export function checkReadOnlySql(sql: string): string | undefined {
  const trimmed = sql.trim().replace(/;\s*$/, '');
  if (!trimmed) return 'empty query';
  if (!READ_VERBS.test(trimmed)) return 'only read queries (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS) are allowed';
  if (stripStrings(trimmed).includes(';')) return 'one statement per query';
  if (FORBIDDEN.test(stripStrings(trimmed))) return 'file, URL and remote table functions are not allowed';
  return undefined;
}

function stripStrings(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.)*'/g, "''");
}
