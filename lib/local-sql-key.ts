// The SQL endpoint always needs a key. A local stack started without HELIX_MASTER_KEY (`npm start`) gets one of its
// own, kept in the data directory (0600) and read by `helix sql` on the same machine; it opens the SQL endpoint and
// signs in to the dashboard (the gateway's API itself then still runs without authentication, on loopback).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the local key is kept (the dashboard's sign-in hint names it too). */
export const localSqlKeyFile = (dataDir: string): string => join(dataDir, 'local-sql-key');

export function readLocalSqlKey(dataDir: string): string | undefined {
  try {
    return readFileSync(localSqlKeyFile(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function ensureLocalSqlKey(dataDir: string): string {
  const existing = readLocalSqlKey(dataDir);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  const key = `sk-helix-local-${randomBytes(24).toString('hex')}`;
  writeFileSync(localSqlKeyFile(dataDir), `${key}\n`, { mode: 0o600 });
  return key;
}
