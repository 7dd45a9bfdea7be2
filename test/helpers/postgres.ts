// PostgreSQL for the test files that need one, started on first use (most of the suite never does) and shared by
// the file's tests; each asks for its own database. `stopPostgres()` in the file's `after` stops it and removes its
// data (a killed test process leaves it to stack/process.ts's exit hooks and stack/down.ts).
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { startPostgres, type PostgresInstance } from '../../stack/postgres.ts';
import { applyLiteLLMSchema } from '../../stack/litellm-schema.ts';

let server: Promise<PostgresInstance> | undefined;

export function postgres(): Promise<PostgresInstance> {
  server ??= startPostgres();
  return server;
}

export async function stopPostgres(): Promise<void> {
  const running = server;
  server = undefined;
  await (await running?.catch(() => undefined))?.destroy();
}

/** A new, empty database on the test server; returns its URL. */
export async function newDatabase(prefix = 'test'): Promise<string> {
  const pgi = await postgres();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgi.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return pgi.urlFor(name);
}

/** A new database with LiteLLM proxy's schema, as its own migrations build it (stack/litellm-schema.ts). */
export async function newLiteLLMDatabase(): Promise<string> {
  const url = await newDatabase('litellm');
  await applyLiteLLMSchema(url);
  return url;
}
