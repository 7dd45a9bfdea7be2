// Headless Chromium for the dashboard's browser tests: Debian's package, installed with apt-get when it is missing
// (the machine's own package manager, never a browser download of a driver's own).
import { existsSync } from 'node:fs';
import { aptInstall } from './apt.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless run that reaches nothing but the pages it is sent to. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The path of a usable Chromium, installing Debian's `chromium` package first if needed (quietly; apt's output on failure). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  console.log("helix test: installing Debian's chromium for the browser tests (first run only)…");
  aptInstall(['chromium']);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`chromium was installed but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}
