// Where the local stack keeps things. Both dirs are gitignored; env vars let CI or a
// developer point them elsewhere (e.g. a bigger disk, or a shared download cache).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json: the same whether this file runs as TypeScript or compiled into dist/. */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..');
  }
}

/** Downloads (Kafka jars, Redis Stack, embedding model): safe to delete, re-fetched on next run. */
export const cacheDir = resolve(process.env.HELIX_CACHE_DIR ?? join(repoRoot, '.cache'));

/** Service data (Kafka logs, Redis dir) and pid files of running services. */
export const dataDir = resolve(process.env.HELIX_DATA_DIR ?? join(repoRoot, '.data'));

/** Pid files of processes started by the stack, so `stack/down.ts` can stop leftovers. */
export const runDir = join(dataDir, 'run');

/** Parent dir of local embedding models (what @xenova/transformers calls localModelPath). */
export const modelsDir = join(cacheDir, 'models');
