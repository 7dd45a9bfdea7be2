// LiteLLM proxy's own database schema, for testing `helix import litellm` against the real thing: the SQL migrations
// (and schema.prisma) that ship in the `litellm-proxy-extras` wheel — what LiteLLM's `prisma migrate deploy` applies —
// fetched once into .cache/ and applied in order to a PostgreSQL database.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { cacheDir } from '../lib/paths.ts';
import { ensureCached, findFile, pipDownload, runCommand } from './download.ts';

/** Pinned: a newer release may add migrations; the importer reads only columns it finds (see core/governance/import). */
export const LITELLM_PROXY_EXTRAS_VERSION = '0.4.110';

const EXTRACT_PY = `
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name == 'litellm_proxy_extras/schema.prisma' or (name.startswith('litellm_proxy_extras/migrations/') and name.endswith('/migration.sql')):
            z.extract(name, dest)
`;

export interface LiteLLMSchema {
  /** schema.prisma as shipped. */
  prismaFile: string;
  /** Migration directory names in the order Prisma applies them (lexical, as their timestamps sort). */
  migrations: Array<{ name: string; file: string }>;
}

/** Downloads the migrations (first run only). */
export async function ensureLiteLLMSchema(): Promise<LiteLLMSchema> {
  const dir = join(cacheDir, `litellm-proxy-extras-${LITELLM_PROXY_EXTRAS_VERSION}`);
  await ensureCached(dir, `LiteLLM's database migrations (litellm-proxy-extras ${LITELLM_PROXY_EXTRAS_VERSION}, ~0.2 MB)`, async (tmp) => {
    const wheels = join(tmp, 'wheels');
    await pipDownload([`litellm-proxy-extras==${LITELLM_PROXY_EXTRAS_VERSION}`], wheels, ['--only-binary=:all:']);
    await runCommand('python3', ['-c', EXTRACT_PY, await findFile(wheels, 'litellm_proxy_extras-', '.whl'), tmp]);
    await rm(wheels, { recursive: true, force: true });
  });
  const root = join(dir, 'litellm_proxy_extras');
  const names = (await readdir(join(root, 'migrations'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  names.sort();
  return { prismaFile: join(root, 'schema.prisma'), migrations: names.map((name) => ({ name, file: join(root, 'migrations', name, 'migration.sql') })) };
}

/**
 * Applies every migration, in order, to the database at `url` (empty). Each file is sent as one simple-protocol
 * query, as Prisma sends it; the few that build an index CONCURRENTLY are single statements, which that allows.
 */
export async function applyLiteLLMSchema(url: string): Promise<{ applied: number; ms: number }> {
  const started = Date.now();
  const schema = await ensureLiteLLMSchema();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const m of schema.migrations) {
      try {
        await client.query(await readFile(m.file, 'utf8'));
      } catch (err) {
        throw new Error(`LiteLLM migration ${m.name} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.end();
  }
  return { applied: schema.migrations.length, ms: Date.now() - started };
}
