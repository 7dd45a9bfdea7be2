// Debian packages the dev tooling runs (Chromium for the browser tests, nginx for the load command), installed with
// apt-get when missing: the machine's own package manager, quietly, with apt's output only when it fails.
import { execFileSync } from 'node:child_process';

/** Installs Debian packages (`apt-get update` first only if the install fails on a stale or empty package list). */
export function aptInstall(packages: string[]): void {
  const apt = (args: string[]) => execFileSync('apt-get', ['-qq', ...args], { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const install = () => apt(['install', '-y', '--no-install-recommends', ...packages]);
  try {
    try {
      install();
    } catch {
      apt(['update']);
      install();
    }
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`could not install ${packages.join(', ')} with apt-get: ${e.message}\n${e.stderr?.toString() ?? ''}${e.stdout?.toString().slice(-2000) ?? ''}`);
  }
}
