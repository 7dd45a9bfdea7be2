// nginx in front of gateway processes, for the load command and the multi-gateway test: Debian's package (installed
// with apt-get when missing), run in the foreground on loopback with deploy/nginx/helix.conf.template — the compose's
// own front — and a self-signed certificate for 127.0.0.1 made with openssl on first use and kept in .data/tls/.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, repoRoot } from '../lib/paths.ts';
import { aptInstall } from './apt.ts';
import { say } from './download.ts';
import { freePort, waitForPort } from './ports.ts';
import { logTail, spawnService } from './process.ts';

export const NGINX_PATH = '/usr/sbin/nginx';
const OPENSSL_PATH = '/usr/bin/openssl';
export const NGINX_TEMPLATE = join(repoRoot, 'deploy/nginx/helix.conf.template');

/** Installs Debian's nginx (and openssl, for the certificate) if missing; returns nginx's path. */
export function ensureNginx(): string {
  const missing = [
    [NGINX_PATH, 'nginx'],
    [OPENSSL_PATH, 'openssl'],
  ].flatMap(([path, pkg]) => (existsSync(path!) ? [] : [pkg!]));
  if (missing.length) {
    say(`installing Debian's ${missing.join(' and ')} for the TLS front (first run only)…`);
    aptInstall(missing);
  }
  if (!existsSync(NGINX_PATH)) throw new Error(`nginx was installed but ${NGINX_PATH} is missing`);
  return NGINX_PATH;
}

export interface TlsFiles {
  /** Holds cert.pem and key.pem (the names the template reads). */
  dir: string;
  /** The certificate in PEM: the CA a client trusts to reach the front. */
  ca: string;
}

/** Still valid for at least a day. */
function usable(certFile: string): boolean {
  try {
    return new Date(new X509Certificate(readFileSync(certFile)).validTo).getTime() > Date.now() + 86_400_000;
  } catch {
    return false;
  }
}

/** A self-signed certificate for localhost and 127.0.0.1, made once and reused until it nears expiry. */
export function ensureSelfSignedCert(dir = join(dataDir, 'tls')): TlsFiles {
  const cert = join(dir, 'cert.pem');
  if (!usable(cert)) {
    // Made in a folder of its own and renamed into place whole, so a concurrent run never pairs one run's key with
    // another's certificate.
    const staging = `${dir}.${process.pid}-${Date.now()}`;
    mkdirSync(staging, { recursive: true });
    const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
    const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365'];
    execFileSync(OPENSSL_PATH, ['req', '-x509', ...keyArgs, ...subject, '-keyout', join(staging, 'key.pem'), '-out', join(staging, 'cert.pem')], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another run put its own in place first
    }
  }
  return { dir, ca: readFileSync(cert, 'utf8') };
}

export type TemplateVars = Record<'NGINX_LISTEN' | 'NGINX_GATEWAYS' | 'NGINX_CERT_DIR', string>;

/** The template with its ${NGINX_*} variables filled in (nginx's own $variables are left alone). */
export function renderNginxTemplate(vars: TemplateVars, template = readFileSync(NGINX_TEMPLATE, 'utf8')): string {
  return template.replace(/\$\{(NGINX_[A-Z_]+)\}/g, (_, name: string) => {
    const value = (vars as Record<string, string | undefined>)[name];
    if (value === undefined) throw new Error(`${NGINX_TEMPLATE}: no value for \${${name}}`);
    return value;
  });
}

export interface NginxOptions {
  /** host:port of each gateway process. */
  gateways: string[];
  /** Folder for the generated config, logs and nginx's temp files. */
  dir: string;
  /** Worker processes: 'auto' is one per core. */
  workers?: number | 'auto';
  port?: number;
}

export interface Nginx {
  /** `https://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The master process. */
  pid: number;
  /** The certificate a client trusts (PEM). */
  ca: string;
  /** The master and its workers (the workers do the proxying, so their CPU is the front's cost). */
  pids(): number[];
  stop(): Promise<void>;
}

/** Pids whose parent is `parent` (from /proc). */
function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export async function startNginx(opts: NginxOptions): Promise<Nginx> {
  const binary = ensureNginx();
  const tls = ensureSelfSignedCert();
  const port = opts.port ?? (await freePort());
  const dir = join(opts.dir, `nginx-${port}`);
  mkdirSync(dir, { recursive: true });
  const snippet = join(dir, 'helix.conf');
  writeFileSync(snippet, renderNginxTemplate({ NGINX_LISTEN: `127.0.0.1:${port}`, NGINX_GATEWAYS: opts.gateways.map((g) => `server ${g};`).join(' '), NGINX_CERT_DIR: tls.dir }));
  const conf = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  const temp = (name: string) => `${name}_temp_path ${join(dir, `${name}-temp`)};`;
  writeFileSync(
    conf,
    [
      'daemon off;',
      'master_process on;',
      `worker_processes ${opts.workers ?? 'auto'};`,
      // Workers as the user that started nginx (root included), so they can use this run's folders.
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}`,
      `  include ${snippet};`,
      '}',
      '',
    ].join('\n'),
  );
  const proc = spawnService({ name: `nginx-${port}`, cmd: binary, args: ['-p', dir, '-c', conf, '-e', errorLog], logFile: join(dir, 'stdout.log'), cmdlineMatch: conf });
  const ready = await Promise.race([waitForPort(port, 15_000), proc.exited.then(() => false)]);
  if (!ready || !proc.isRunning()) {
    await proc.stop(5_000);
    throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${logTail(errorLog)}\n${logTail(join(dir, 'stdout.log'))}`);
  }
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    pid: proc.pid,
    ca: tls.ca,
    pids: () => [proc.pid, ...childPids(proc.pid)],
    stop: () => proc.stop(10_000),
  };
}
