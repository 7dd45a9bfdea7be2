// ClickHouse string literals: a value from a caller (a key id, a team, a date) embedded in a query as '…', with
// backslashes and single quotes escaped so it can never end the literal.
export const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
