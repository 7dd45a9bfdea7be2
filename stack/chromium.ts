// Headless Chromium for the dashboard's browser tests: Debian's package, installed with apt-get when it is missing
// (the machine's own package manager, never a browser download of a driver's own).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless run that reaches nothing but the pages it is sent to. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The path of a usable Chromium, installing Debian's `chromium` package first if needed (quietly; apt's output on failure). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  console.log("helix test: installing Debian's chromium for the browser tests (first run only)…");
  const apt = (args: string[]) => execFileSync('apt-get', ['-qq', ...args], { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const install = () => apt(['install', '-y', '--no-install-recommends', 'chromium']);
  try {
    try {
      install();
    } catch {
      apt(['update']);
      install();
    }
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`could not install chromium with apt-get: ${e.message}\n${e.stderr?.toString() ?? ''}${e.stdout?.toString().slice(-2000) ?? ''}`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`chromium was installed but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}
