// First-use installs of the peer gateways into .cache/peers/ (gitignored), never as the project's dependencies. Each
// step is bounded in time and prints one line; the tool's own output is shown only when the step fails. A marker
// naming the pinned version makes later runs skip the install and a changed pin reinstall.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { cacheDir, repoRoot } from '../../lib/paths.ts';

export const PEERS_CACHE = join(cacheDir, 'peers');
/** Pinned. 1.106.12 is LiteLLM's newest release whose `proxy` extra resolves from the registry alone (later ones
 *  require `litellm-proxy` or a `litellm-proxy-extras` post-release that it does not serve). */
export const LITELLM_VERSION = '1.106.12';
export const PORTKEY_VERSION = '1.15.2';
const MARKER = '.installed';

export interface Installed {
  dir: string;
  /** Seconds the install took in this run; undefined when it was already there. */
  seconds?: number;
}

export interface Step {
  what: string;
  cmd: string;
  args: string[];
  timeoutMs: number;
}

/** `dir` holding `version` of a peer, installed by `steps` unless an earlier run did. */
export async function ensureInstalled(name: string, version: string, steps: (dir: string) => Step[]): Promise<Installed> {
  const dir = join(PEERS_CACHE, name);
  const marker = join(dir, MARKER);
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === version) return { dir };
  const started = Date.now();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const s of steps(dir)) await runStep(s);
  await writeFile(marker, `${version}\n`);
  return { dir, seconds: (Date.now() - started) / 1000 };
}

/** Runs a step in its own process group (so a timeout ends the tool's children too). */
function runStep(s: Step): Promise<void> {
  const started = Date.now();
  process.stderr.write(`peers: ${s.what} (first run only, at most ${Math.round(s.timeoutMs / 60_000)} min)… `);
  const child = spawn(s.cmd, s.args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  const timer = setTimeout(killGroup, s.timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run ${s.cmd}: ${err.message}`)));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', killGroup);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(code === 0 ? `${seconds} s\n` : `failed after ${seconds} s\n`);
      if (code === 0) return resolve();
      const why = Date.now() - started >= s.timeoutMs ? `timed out after ${s.timeoutMs / 1000} s` : `exit ${code ?? signal}`;
      reject(new Error(`${s.what}: ${why}${tail.trim() ? `\n${tail.trim()}` : ''}`));
    });
  });
}

const shown = (dir: string) => relative(repoRoot, dir) || dir;

/** Portkey's open-source gateway (a Node server) from npm. */
export const installPortkey = () =>
  ensureInstalled('portkey', PORTKEY_VERSION, (dir) => [
    {
      what: `npm install @portkey-ai/gateway@${PORTKEY_VERSION} into ${shown(dir)}`,
      cmd: 'npm',
      args: ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `@portkey-ai/gateway@${PORTKEY_VERSION}`],
      timeoutMs: 5 * 60_000,
    },
  ]);

/** LiteLLM's proxy in a virtualenv of its own. */
export const installLiteLLM = () =>
  ensureInstalled('litellm', LITELLM_VERSION, (dir) => [
    { what: `python3 -m venv ${shown(dir)}`, cmd: 'python3', args: ['-m', 'venv', dir], timeoutMs: 2 * 60_000 },
    {
      what: `pip install litellm[proxy]==${LITELLM_VERSION}`,
      cmd: join(dir, 'bin', 'pip'),
      args: ['install', '--quiet', '--disable-pip-version-check', '--no-input', `litellm[proxy]==${LITELLM_VERSION}`],
      timeoutMs: 15 * 60_000,
    },
  ]);
